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
// those files load, and copies instead of multiplying, with Tile's passes.
#pragma once

#include "caffe/layers/tile_layer.hpp"

namespace caffe {

template <typename Dtype>
class RepeatLayer : public TileLayer<Dtype> {
 public:
  explicit RepeatLayer(const LayerParameter& param) : TileLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "Repeat"; }

 private:
  int axis_ = 1;
};

}  // namespace caffe
