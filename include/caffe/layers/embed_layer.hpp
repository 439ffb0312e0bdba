// Embed: a lookup table. Each bottom value is an integer index in [0, input_dim); the top
// (the bottom's shape plus an axis of num_output) holds row `index` of the learned weight
// (input_dim x num_output), plus a learned bias with bias_term (default true). The indices
// take no gradient.
#pragma once

#include "caffe/kernels/embed.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class EmbedLayer : public Layer<Dtype> {
 public:
  explicit EmbedLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Embed"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int) const override { return false; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  bool has_bias() const { return this->blobs_.size() > 1; }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    CheckIndices(*bottom[0]);
    Side::for_n(top[0]->count(), kernels::EmbedForward<Dtype>{
        Side::data(bottom[0]), Side::data(this->blobs_[0].get()),
        has_bias() ? Side::data(this->blobs_[1].get()) : nullptr, Side::mutable_data(top[0]),
        num_output_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[0], "cannot propagate a gradient to the indices");
    const int64_t items = bottom[0]->count();
    const Dtype* dy = Side::diff(top[0]);
    if (this->param_propagate_down(0)) {
      Side::for_n(num_output_, kernels::EmbedWeightGrad<Dtype>{
          Side::data(bottom[0]), dy, Side::mutable_diff(this->blobs_[0].get()), items,
          num_output_});
    }
    if (has_bias() && this->param_propagate_down(1)) {
      Side::segment_sum(kernels::Segments::across(items, num_output_, 1), kernels::Value<Dtype>{dy},
                        Side::mutable_diff(this->blobs_[1].get()), Dtype(1), true);
    }
  }

  // Throws unless every index is an integer in [0, input_dim) (read on the host).
  void CheckIndices(const Blob<Dtype>& indices) const;

  int64_t num_output_ = 0, input_dim_ = 0;
};

}  // namespace caffe
