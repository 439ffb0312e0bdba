// ReLU: y = max(x, 0) + negative_slope * min(x, 0) (relu_param.negative_slope, default 0).
// May run in place.
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class ReLULayer : public ElementwiseNeuronLayer<Dtype, kernels::ReLUOp> {
 public:
  explicit ReLULayer(const LayerParameter& param) : ElementwiseNeuronLayer<Dtype, kernels::ReLUOp>(param) {}
  const char* type() const override { return "ReLU"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ReLUOp<Dtype> op() const override {
    return {static_cast<Dtype>(this->layer_param_.relu_param().negative_slope())};
  }
  // In place, the sign of y tells the sign of x only when the slope is not negative.
  bool backward_reads_input() const override {
    return this->layer_param_.relu_param().negative_slope() < 0;
  }
};

}  // namespace caffe
