// Flatten: merges axes flatten_param.axis .. end_axis (defaults 1 and -1) into one;
// e.g. N x C x H x W -> N x (C*H*W). The top shares the bottom's memory.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class FlattenLayer : public Layer<Dtype> {
 public:
  explicit FlattenLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Flatten"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  // Data and gradients are shared, not copied, so both sides run the same code.
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    top[0]->ShareData(*bottom[0]);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>&,
                    const vector<Blob<Dtype>*>& bottom) override {
    bottom[0]->ShareDiff(*top[0]);
  }
};

}  // namespace caffe
