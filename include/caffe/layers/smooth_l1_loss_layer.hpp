// SmoothL1Loss: Fast R-CNN's robust regression loss (used in the seed for theta
// regression). Bottoms: prediction, target (same count), and optionally inside and
// outside weights (both, same count). With d = in_w * (prediction - target) and
// s2 = smooth_l1_loss_param.sigma^2, each element costs
//     out_w * (0.5 * s2 * d^2 if |d| < 1/s2, else |d| - 0.5/s2)
// and the top is their sum divided by N (the batch size). Gradients flow to the
// prediction and the target, not to the weights. Loss weight 1 unless loss_weight
// says otherwise.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class SmoothL1LossLayer : public Layer<Dtype> {
 public:
  explicit SmoothL1LossLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "SmoothL1Loss"; }
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 4; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index < 2; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
#ifdef USE_CUDA
  void Forward_gpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_gpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
#endif

  Dtype sigma2_ = 1;
  Blob<Dtype> per_element_;  // the prediction's shape: each element's loss
};

}  // namespace caffe
