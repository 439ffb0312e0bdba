// SmoothL1Loss: Fast R-CNN's robust regression loss (used in the seed for theta
// regression). Bottoms: prediction, target (same count), and optionally inside and
// outside weights (both, same count). With d = in_w * (prediction - target) and
// s2 = smooth_l1_loss_param.sigma^2, each element costs
//     out_w * (0.5 * s2 * d^2 if |d| < 1/s2, else |d| - 0.5/s2)
// and the top is their sum divided by N (the batch size). Gradients flow to the
// prediction and the target, not to the weights. Loss weight 1 unless loss_weight
// says otherwise.
#pragma once

#include "caffe/kernels/st_companions.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

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
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // The per-element math on the side's memory.
  template <class Side>
  st::SmoothL1<Dtype> Elements(const vector<Blob<Dtype>*>& bottom) const {
    const bool w = bottom.size() == 4;
    return {Side::data(bottom[0]), Side::data(bottom[1]), w ? Side::data(bottom[2]) : nullptr,
            w ? Side::data(bottom[3]) : nullptr, sigma2_};
  }
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const double sum = Side::total(bottom[0]->count(), st::SmoothL1Term<Dtype>{Elements<Side>(bottom)});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(sum / bottom[0]->shape(0));
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype scale = top[0]->cpu_diff()[0] / Dtype(bottom[0]->shape(0));
    for (int i = 0; i < 2; ++i) {
      if (!propagate_down[i]) continue;
      Side::for_n(bottom[0]->count(), st::SmoothL1Grad<Dtype>{
          Elements<Side>(bottom), Side::mutable_diff(bottom[i]), i == 0 ? scale : -scale});
    }
  }

  Dtype sigma2_ = 1;
};

}  // namespace caffe
