// Swish: y = x * sigmoid(beta * x), element by element (swish_param.beta, default 1;
// BVLC's Swish). May run in place (it then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class SwishLayer : public ElementwiseNeuronLayer<Dtype, kernels::SwishOp> {
 public:
  explicit SwishLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::SwishOp>(param) {}
  const char* type() const override { return "Swish"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::SwishOp<Dtype> op() const override {
    return {static_cast<Dtype>(this->layer_param_.swish_param().beta())};
  }
  bool backward_reads_input() const override { return true; }
};

}  // namespace caffe
