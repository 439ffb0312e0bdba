// Threshold: y = 1 for x > threshold_param.threshold (default 0), 0 otherwise.
// Its gradient is zero (where it exists). May run in place.
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class ThresholdLayer : public ElementwiseNeuronLayer<Dtype, kernels::ThresholdOp> {
 public:
  explicit ThresholdLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::ThresholdOp>(param) {}
  const char* type() const override { return "Threshold"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ThresholdOp<Dtype> op() const override { return {static_cast<Dtype>(this->layer_param_.threshold_param().threshold())}; }
};

}  // namespace caffe
