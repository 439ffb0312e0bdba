// SoftmaxBasedLossLayer: the shared base of SoftmaxWithLoss and InfogainLoss. Both turn
// the scores (bottom 0) into probabilities with an internal Softmax along an axis of
// their parameter, read one integer label per position (bottom 1: outer x inner labels
// for scores of shape outer x classes x inner), skip loss_param.ignore_label, and divide
// the summed loss as loss_param.normalization says. The labels take no gradient.
#pragma once

#include "caffe/kernels/softmax.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/layers/softmax_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SoftmaxBasedLossLayer : public LossLayer<Dtype> {
 public:
  explicit SoftmaxBasedLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;

 protected:
  // The softmax axis field, as the subclass's parameter names it.
  virtual int softmax_axis() const = 0;

  int64_t positions() const { return outer_ * inner_; }
  // Runs the internal softmax into prob_ and checks the labels: the first step of a
  // forward pass.
  void ForwardSoftmax(const vector<Blob<Dtype>*>& bottom);
  // How many labels count (not ignore_label); -1 when nothing is ignored.
  template <class Side>
  double CountValid(const Blob<Dtype>* label) const {
    if (!filter_.has_ignore) return -1;
    return Side::total(positions(), kernels::CountedLabel<Dtype>{Side::data(label), filter_});
  }
  // Sets normalizer_ for `valid` counted labels and writes loss_sum / normalizer_ to top.
  void SetLoss(double loss_sum, double valid, Blob<Dtype>* top);
  // The factor of the per-position gradients: the top's diff (the loss weight) / normalizer_.
  Dtype GradientScale(const Blob<Dtype>* top) const { return top->cpu_diff()[0] / normalizer_; }

  shared_ptr<SoftmaxLayer<Dtype>> softmax_layer_;
  vector<Blob<Dtype>*> softmax_bottom_, softmax_top_;
  Blob<Dtype> prob_;  // the softmax of the scores
  kernels::LabelFilter filter_{false, 0};
  LossParameter_NormalizationMode mode_ = LossParameter_NormalizationMode_VALID;
  Dtype normalizer_ = 1;
  int64_t outer_ = 0, classes_ = 0, inner_ = 0;
};

}  // namespace caffe
