// Slice: cuts its bottom along slice_param.axis (default 1; the legacy slice_dim means
// the same) into its tops, at slice_param.slice_point (one fewer than the tops, increasing)
// or, without slice points, into equal parts. The inverse of Concat, whose index math it uses.
#pragma once

#include "caffe/kernels/concat.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SliceLayer : public Layer<Dtype> {
 public:
  explicit SliceLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Slice"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // A top is Concat's "bottom" and the sliced blob Concat's "top".
  kernels::ConcatCopy<Dtype> Copy(const Dtype* src, Dtype* dst, const Blob<Dtype>& part,
                                  const Blob<Dtype>& whole, int offset, bool to_whole) const {
    return {src, dst, part.shape(axis_), whole.shape(axis_), offset, whole.count(axis_ + 1),
            to_whole};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    int offset = 0;
    for (auto* t : top) {
      Side::for_n(t->count(), Copy(Side::data(bottom[0]), Side::mutable_data(t), *t, *bottom[0],
                                   offset, false));
      offset += t->shape(axis_);
    }
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    int offset = 0;
    for (auto* t : top) {
      Side::for_n(t->count(), Copy(Side::diff(t), Side::mutable_diff(bottom[0]), *t, *bottom[0],
                                   offset, true));
      offset += t->shape(axis_);
    }
  }

  int axis_ = 1;
};

}  // namespace caffe
