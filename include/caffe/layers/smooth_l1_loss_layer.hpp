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

  // Every element's loss, or (out == nullptr) its gradient times scale into grad.
  template <class Side>
  st::SmoothL1Element<Dtype> Element(const vector<Blob<Dtype>*>& bottom, Dtype* out, Dtype* grad,
                                     Dtype scale) const {
    const bool w = bottom.size() == 4;
    return {Side::data(bottom[0]), Side::data(bottom[1]), w ? Side::data(bottom[2]) : nullptr,
            w ? Side::data(bottom[3]) : nullptr, sigma2_, out, grad, scale};
  }
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int count = bottom[0]->count();
    Side::for_n(count, Element<Side>(bottom, Side::mutable_data(&per_element_), nullptr, 0));
    // outside weights may be negative: a plain sum, not asum
    const double sum = Side::sum(count, Side::data(&per_element_));
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(sum / bottom[0]->shape(0));
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype scale = top[0]->cpu_diff()[0] / Dtype(bottom[0]->shape(0));
    for (int i = 0; i < 2; ++i) {
      if (!propagate_down[i]) continue;
      Side::for_n(bottom[0]->count(), Element<Side>(bottom, nullptr, Side::mutable_diff(bottom[i]),
                                                    i == 0 ? scale : -scale));
    }
  }

  Dtype sigma2_ = 1;
  Blob<Dtype> per_element_;  // the prediction's shape: each element's loss
};

}  // namespace caffe
