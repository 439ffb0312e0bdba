// Repeat: the spatial-transformer fork's layer (repeat_param). With M the product of the
// bottom's axes before repeat_param.axis (default 1) and K that of the rest, the top has
// shape (M, num_repeats, <the bottom's axes from `axis` on>) and holds each of the M rows
// num_repeats times: top[m, r, ...] = bottom[m, ...]. Backward sums the gradients of the
// copies.
//
// The fork computes this as a product with a (num_repeats*K) x K matrix of stacked
// identities and keeps that matrix as the layer's one parameter blob, which its
// .caffemodel files carry. This layer keeps the blob (created as stacked identities, or
// taken from the file; never learned: its lr_mult and decay_mult are forced to 0) so that
// those files load, and copies instead of multiplying.
#pragma once

#include "caffe/kernels/copy_ops.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class RepeatLayer : public Layer<Dtype> {
 public:
  explicit RepeatLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "Repeat"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(top[0]->count(), kernels::TileForward<Dtype>{
        Side::data(bottom[0]), Side::mutable_data(top[0]), repeats_, inner_});
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::TileBackward<Dtype>{
        Side::diff(top[0]), Side::mutable_diff(bottom[0]), repeats_, inner_}, repeats_);
  }

 private:
  int axis_ = 1;
  int64_t repeats_ = 1, inner_ = 1;
};

}  // namespace caffe
