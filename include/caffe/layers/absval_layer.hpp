// AbsVal: y = |x|. May run in place (it then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class AbsValLayer : public ElementwiseNeuronLayer<Dtype, kernels::AbsValOp> {
 public:
  explicit AbsValLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::AbsValOp>(param) {}
  const char* type() const override { return "AbsVal"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::AbsValOp<Dtype> op() const override { return {}; }
  bool backward_reads_input() const override { return true; }
};

}  // namespace caffe
