// InfogainLoss: softmax of the scores along infogain_loss_param.axis (default 1) gives
// probabilities p; with the K x K "information gain" matrix H (a third bottom, or the
// binaryproto file infogain_loss_param.source) a position labelled l costs
// -sum_k H[l, k] log(max(p_k, 1e-20)). The sum over positions is divided as
// loss_param.normalization says (ignore_label supported). With H = I this is
// SoftmaxWithLoss. Labels and H take no gradient.
#pragma once

#include "caffe/kernels/channel.hpp"
#include "caffe/kernels/losses.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/layers/softmax_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class InfogainLossLayer : public LossLayer<Dtype> {
 public:
  explicit InfogainLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "InfogainLoss"; }
  int ExactNumBottomBlobs() const override { return -1; }
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 3; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  const Blob<Dtype>* H(const vector<Blob<Dtype>*>& bottom) const {
    return bottom.size() > 2 ? bottom[2] : &infogain_;
  }
  void CheckLabels(const vector<Blob<Dtype>*>& bottom) const;

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    softmax_layer_->Forward(softmax_bottom_, softmax_top_);
    CheckLabels(bottom);
    const int64_t n = outer_ * inner_;
    Side::for_n(n, kernels::InfogainLossAt<Dtype>{
        Side::data(&prob_), Side::data(bottom[1]), Side::data(H(bottom)),
        Side::mutable_data(&loss_), Side::mutable_data(&valid_), K_, inner_, filter_});
    Side::for_n(1, kernels::ChannelReduce<Dtype, kernels::SumTerm<Dtype>>{
        {Side::data(&loss_)}, Side::mutable_data(&total_), 1, 1, n, Dtype(1), false});
    const int valid = filter_.has_ignore
                          ? static_cast<int>(Side::asum(n, Side::data(&valid_)) + Dtype(0.5)) : -1;
    normalizer_ = this->Normalizer(this->NormalizationMode(), outer_, inner_, valid);
    top[0]->mutable_cpu_data()[0] = total_.cpu_data()[0] / normalizer_;
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1] && (bottom.size() < 3 || !propagate_down[2]),
                  "cannot propagate a gradient to the labels or to H");
    if (!propagate_down[0]) return;
    const Dtype* h = Side::data(H(bottom));
    Side::for_n(K_, kernels::ChannelReduce<Dtype, kernels::SumTerm<Dtype>>{
        {h}, Side::mutable_data(&H_row_sum_), 1, K_, K_, Dtype(1), false});
    Side::for_n(bottom[0]->count(), kernels::InfogainGradAt<Dtype>{
        Side::data(&prob_), Side::data(bottom[1]), h, Side::data(&H_row_sum_),
        Side::mutable_diff(bottom[0]), K_, inner_, top[0]->cpu_diff()[0] / normalizer_, filter_});
  }

  shared_ptr<SoftmaxLayer<Dtype>> softmax_layer_;
  vector<Blob<Dtype>*> softmax_bottom_, softmax_top_;
  Blob<Dtype> prob_, infogain_, H_row_sum_, total_;
  Blob<Dtype> loss_, valid_;  // per position
  kernels::LabelFilter filter_{false, 0};
  Dtype normalizer_ = 1;
  int64_t outer_ = 0, K_ = 0, inner_ = 0;
};

}  // namespace caffe
