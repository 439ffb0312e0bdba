// ELU: y = x for x > 0, alpha (exp(x) - 1) otherwise (elu_param.alpha, default 1).
// May run in place (it then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class ELULayer : public ElementwiseNeuronLayer<Dtype, kernels::ELUOp> {
 public:
  explicit ELULayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::ELUOp>(param) {}
  const char* type() const override { return "ELU"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ELUOp<Dtype> op() const override { return {static_cast<Dtype>(this->layer_param_.elu_param().alpha())}; }
  bool backward_reads_input() const override { return true; }
};

}  // namespace caffe
