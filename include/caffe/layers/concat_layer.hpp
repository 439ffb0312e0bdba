// Concat: joins its bottoms along concat_param.axis (default 1; the legacy
// concat_dim means the same). All other dimensions must agree.
#pragma once

#include "caffe/kernels/concat.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class ConcatLayer : public Layer<Dtype> {
 public:
  explicit ConcatLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Concat"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ConcatCopy<Dtype> Copy(const Dtype* src, Dtype* dst, const Blob<Dtype>& b,
                                  const Blob<Dtype>& t, int offset, bool to_top) const {
    return {src, dst, b.shape(axis_), t.shape(axis_), offset, t.count(axis_ + 1), to_top};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    if (bottom.size() == 1) {  // the top shares the bottom's data
      top[0]->ShareData(*bottom[0]);
      return;
    }
    int offset = 0;
    for (auto* b : bottom) {
      Side::for_n(b->count(), Copy(Side::data(b), Side::mutable_data(top[0]), *b, *top[0],
                                   offset, true));
      offset += b->shape(axis_);
    }
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    // (With one bottom this is a plain copy: the diffs are not shared.)
    int offset = 0;
    for (size_t i = 0; i < bottom.size(); ++i) {
      Blob<Dtype>* b = bottom[i];
      if (propagate_down[i])
        Side::for_n(b->count(), Copy(Side::diff(top[0]), Side::mutable_diff(b), *b, *top[0],
                                     offset, false));
      offset += b->shape(axis_);
    }
  }

  int axis_ = 1;
};

}  // namespace caffe
