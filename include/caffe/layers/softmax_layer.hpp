// Softmax: y = exp(x) / sum exp(x) along softmax_param.axis (default 1), computed
// stably (the maximum is subtracted first). Each position of the other axes is one
// independent distribution.
#pragma once

#include "caffe/kernels/softmax.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SoftmaxLayer : public Layer<Dtype> {
 public:
  explicit SoftmaxLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Softmax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(int64_t(outer_num_) * inner_num_, kernels::SoftmaxForwardAt<Dtype>{
        Side::data(bottom[0]), Side::mutable_data(top[0]), channels_, inner_num_});
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(int64_t(outer_num_) * inner_num_, kernels::SoftmaxBackwardAt<Dtype>{
        Side::data(top[0]), Side::diff(top[0]), Side::mutable_diff(bottom[0]), channels_,
        inner_num_});
  }

  int outer_num_ = 0, channels_ = 0, inner_num_ = 0;
};

}  // namespace caffe
