// Reshape: gives the bottom a new shape without copying (the top shares its memory).
// reshape_param.shape replaces `num_axes` axes starting at `axis` (default: all of
// them); in it, 0 copies the bottom's dimension at that place and one -1 is inferred
// so that the element count stays the same.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class ReshapeLayer : public Layer<Dtype> {
 public:
  explicit ReshapeLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Reshape"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    top[0]->ShareData(*bottom[0]);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>&,
                    const vector<Blob<Dtype>*>& bottom) override {
    bottom[0]->ShareDiff(*top[0]);
  }

  vector<int> copy_axes_;   // positions in `shape` holding 0
  int inferred_axis_ = -1;  // position in `shape` holding -1
  int64_t constant_count_ = 1;  // product of the given positive dimensions
};

}  // namespace caffe
