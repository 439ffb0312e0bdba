// TanH: y = tanh(x); dy/dx = 1 - y^2. May run in place.
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class TanHLayer : public ElementwiseNeuronLayer<Dtype, kernels::TanHOp> {
 public:
  explicit TanHLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::TanHOp>(param) {}
  const char* type() const override { return "TanH"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::TanHOp<Dtype> op() const override { return {}; }
};

}  // namespace caffe
