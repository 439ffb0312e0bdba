// BNLL (binomial normal log likelihood): y = log(1 + exp(x)). May run in place
// (it then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class BNLLLayer : public ElementwiseNeuronLayer<Dtype, kernels::BNLLOp> {
 public:
  explicit BNLLLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::BNLLOp>(param) {}
  const char* type() const override { return "BNLL"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::BNLLOp<Dtype> op() const override { return {}; }
  bool backward_reads_input() const override { return true; }
};

}  // namespace caffe
