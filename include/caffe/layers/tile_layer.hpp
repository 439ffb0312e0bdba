// Tile: repeats the bottom tile_param.tiles times along tile_param.axis (default 1): the
// top's axis is tiles times longer and holds the blocks from that axis on, one after another.
// Its passes serve Repeat too (repeat_layer.hpp), which lays the copies out on an axis of
// their own.
#pragma once

#include "caffe/kernels/copy_ops.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class TileLayer : public Layer<Dtype> {
 public:
  explicit TileLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Tile"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(top[0]->count(), kernels::TileForward<Dtype>{
        Side::data(bottom[0]), Side::mutable_data(top[0]), tiles_, inner_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::TileBackward<Dtype>{
        Side::diff(top[0]), Side::mutable_diff(bottom[0]), tiles_, inner_}, tiles_);
  }

  // The top holds each block of inner_ values tiles_ times.
  int64_t tiles_ = 1, inner_ = 1;
};

}  // namespace caffe
