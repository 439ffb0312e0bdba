// Sigmoid: y = 1 / (1 + exp(-x)); dy/dx = y (1 - y). May run in place.
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class SigmoidLayer : public ElementwiseNeuronLayer<Dtype, kernels::SigmoidOp> {
 public:
  explicit SigmoidLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::SigmoidOp>(param) {}
  const char* type() const override { return "Sigmoid"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::SigmoidOp<Dtype> op() const override { return {}; }
};

}  // namespace caffe
