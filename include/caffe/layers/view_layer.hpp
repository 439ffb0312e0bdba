// ViewLayer: the base of layers whose top is the bottom itself under another shape
// (Flatten, Reshape). Nothing is copied on either side: forward shares the bottom's data
// with the top, backward shares the top's diff with the bottom. A subclass only says
// which shape the top takes; in-place use is an error.
#pragma once

#include <vector>

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class ViewLayer : public Layer<Dtype> {
 public:
  explicit ViewLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place (top and bottom are the same blob)");
    top[0]->Reshape(TopShape(*bottom[0]));
    top[0]->ShareData(*bottom[0]);
  }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  // The top's shape for this bottom (same count); throws ShapeError naming the layer.
  virtual vector<int> TopShape(const Blob<Dtype>& bottom) const = 0;

  // Sharing, not copying, is the same on both sides (Layer's GPU passes run these).
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    top[0]->ShareData(*bottom[0]);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>&,
                    const vector<Blob<Dtype>*>& bottom) override {
    bottom[0]->ShareDiff(*top[0]);
  }
};

}  // namespace caffe
