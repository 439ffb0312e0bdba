// Power: y = (shift + scale * x) ^ power (power_param; defaults 1, 1, 0).
// May run in place (it then keeps a copy of x for the backward pass).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class PowerLayer : public ElementwiseNeuronLayer<Dtype, kernels::PowerOp> {
 public:
  explicit PowerLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::PowerOp>(param) {}
  const char* type() const override { return "Power"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::PowerOp<Dtype> op() const override {
    const PowerParameter& p = this->layer_param_.power_param();
    return {static_cast<Dtype>(p.power()), static_cast<Dtype>(p.scale()), static_cast<Dtype>(p.shift())};
  }
  bool backward_reads_input() const override {
    const PowerParameter& p = this->layer_param_.power_param();
    return p.power() != 1 && p.power() * p.scale() != 0;
  }
};

}  // namespace caffe
