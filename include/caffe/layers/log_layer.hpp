// Log: y = log_base(shift + scale x) (log_param; base -1, the default, means e).
// May run in place (it then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class LogLayer : public ElementwiseNeuronLayer<Dtype, kernels::LogOp> {
 public:
  explicit LogLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::LogOp>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Log"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::LogOp<Dtype> op() const override { return op_; }
  bool backward_reads_input() const override { return true; }
  kernels::LogOp<Dtype> op_{};
};

}  // namespace caffe
