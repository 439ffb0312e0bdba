// Reshape: gives the bottom a new shape without copying (the top shares its memory,
// ViewLayer).
// reshape_param.shape replaces `num_axes` axes starting at `axis` (default: all of
// them); in it, 0 copies the bottom's dimension at that place and one -1 is inferred
// so that the element count stays the same.
#pragma once

#include "caffe/layers/view_layer.hpp"

namespace caffe {

template <typename Dtype>
class ReshapeLayer : public ViewLayer<Dtype> {
 public:
  explicit ReshapeLayer(const LayerParameter& param) : ViewLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Reshape"; }

 protected:
  vector<int> TopShape(const Blob<Dtype>& bottom) const override;

  vector<int> copy_axes_;   // positions in `shape` holding 0
  int inferred_axis_ = -1;  // position in `shape` holding -1
  int64_t constant_count_ = 1;  // product of the given positive dimensions
};

}  // namespace caffe
