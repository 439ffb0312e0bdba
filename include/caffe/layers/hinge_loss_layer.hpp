// HingeLoss: scores x (N x K...) and class labels (N). With s = -1 for the labelled class and
// 1 for the others, L = sum max(0, 1 + s x) / N (hinge_loss_param.norm L1, default) or
// sum max(0, 1 + s x)^2 / N (L2). The labels take no gradient.
#pragma once

#include "caffe/kernels/losses.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class HingeLossLayer : public LossLayer<Dtype> {
 public:
  explicit HingeLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "HingeLoss"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  bool l2() const { return this->layer_param_.hinge_loss_param().norm() == HingeLossParameter::L2; }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    CheckLabels(bottom);
    const int n = bottom[0]->count(), num = bottom[0]->shape(0);
    const Dtype* m = Side::mutable_data(&margin_);
    Side::for_n(n, kernels::HingeMarginAt<Dtype>{Side::data(bottom[0]), Side::data(bottom[1]),
                                                 Side::mutable_data(&margin_), n / num});
    const double sum = l2() ? Side::total(n, kernels::Product<Dtype>{m, m})
                            : Side::total(n, kernels::Value<Dtype>{m});  // margins are >= 0
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(sum / num);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1], "cannot propagate a gradient to the labels");
    if (!propagate_down[0]) return;
    const int n = bottom[0]->count(), num = bottom[0]->shape(0);
    Side::for_n(n, kernels::HingeGradAt<Dtype>{Side::data(&margin_), Side::data(bottom[1]),
                                               Side::mutable_diff(bottom[0]), n / num,
                                               top[0]->cpu_diff()[0] / num, l2()});
  }

  void CheckLabels(const vector<Blob<Dtype>*>& bottom) const;

  Blob<Dtype> margin_;  // max(0, 1 + s x) per score
};

}  // namespace caffe
