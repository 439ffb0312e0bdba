// Clip: y = min(max(x, clip_param.min), clip_param.max), element by element (BVLC's Clip).
// The gradient passes where min <= x <= max and is zero elsewhere. May run in place (it
// then keeps a copy of x).
#pragma once

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class ClipLayer : public ElementwiseNeuronLayer<Dtype, kernels::ClipOp> {
 public:
  explicit ClipLayer(const LayerParameter& param)
      : ElementwiseNeuronLayer<Dtype, kernels::ClipOp>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Clip"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ClipOp<Dtype> op() const override {
    const ClipParameter& p = this->layer_param_.clip_param();
    return {static_cast<Dtype>(p.min()), static_cast<Dtype>(p.max())};
  }
  bool backward_reads_input() const override { return true; }
};

}  // namespace caffe
