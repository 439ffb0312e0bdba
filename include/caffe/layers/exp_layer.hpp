// Exp: y = base ^ (shift + scale x) (exp_param; base -1, the default, means e).
// May run in place.
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class ExpLayer : public ElementwiseNeuronLayer<Dtype, kernels::ExpOp> {
 public:
  explicit ExpLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::ExpOp>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Exp"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ExpOp<Dtype> op() const override { return op_; }
  kernels::ExpOp<Dtype> op_{};
};

}  // namespace caffe
