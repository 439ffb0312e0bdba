// Split: copies one bottom to several tops (sharing its memory) and sums their
// gradients on the way back. The Net inserts it where one blob feeds several layers.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SplitLayer : public Layer<Dtype> {
 public:
  explicit SplitLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Split"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    for (auto* t : top) t->ShareData(*bottom[0]);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const int n = bottom[0]->count();
    Dtype* dx = Side::mutable_diff(bottom[0]);
    Side::copy(n, Side::diff(top[0]), dx);
    for (size_t i = 1; i < top.size(); ++i) Side::axpy(n, Dtype(1), Side::diff(top[i]), dx);
  }
};

}  // namespace caffe
