// InfogainLoss: softmax of the scores along infogain_loss_param.axis (default 1) gives
// probabilities p; with the K x K "information gain" matrix H (a third bottom, or the
// binaryproto file infogain_loss_param.source) a position labelled l costs
// -sum_k H[l, k] log(max(p_k, 1e-20)). The sum over positions is divided as
// loss_param.normalization says (ignore_label supported). With H = I this is
// SoftmaxWithLoss. Labels and H take no gradient. See SoftmaxBasedLossLayer.
#pragma once

#include "caffe/kernels/losses.hpp"
#include "caffe/layers/softmax_based_loss_layer.hpp"

namespace caffe {

template <typename Dtype>
class InfogainLossLayer : public SoftmaxBasedLossLayer<Dtype> {
 public:
  explicit InfogainLossLayer(const LayerParameter& param) : SoftmaxBasedLossLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "InfogainLoss"; }
  int ExactNumBottomBlobs() const override { return -1; }
  int MinBottomBlobs() const override { return 2; }
  int MaxBottomBlobs() const override { return 3; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  int softmax_axis() const override { return this->layer_param_.infogain_loss_param().axis(); }
  const Blob<Dtype>* H(const vector<Blob<Dtype>*>& bottom) const {
    return bottom.size() > 2 ? bottom[2] : &infogain_;
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    this->ForwardSoftmax(bottom);
    const double loss = Side::total(this->positions(), kernels::InfogainLossTerm<Dtype>{
        Side::data(&this->prob_), Side::data(bottom[1]), Side::data(H(bottom)), this->classes_,
        this->inner_, this->filter_});
    this->SetLoss(loss, this->template CountValid<Side>(bottom[1]), top[0]);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1] && (bottom.size() < 3 || !propagate_down[2]),
                  "cannot propagate a gradient to the labels or to H");
    if (!propagate_down[0]) return;
    const int64_t K = this->classes_;
    const Dtype* h = Side::data(H(bottom));
    Side::segment_sum(kernels::Segments::rows(K, K), kernels::Value<Dtype>{h},
                      Side::mutable_data(&H_row_sum_));
    Side::for_n(bottom[0]->count(), kernels::InfogainGradAt<Dtype>{
        Side::data(&this->prob_), Side::data(bottom[1]), h, Side::data(&H_row_sum_),
        Side::mutable_diff(bottom[0]), K, this->inner_, this->GradientScale(top[0]),
        this->filter_});
  }

  Blob<Dtype> infogain_;   // H when read from infogain_loss_param.source
  Blob<Dtype> H_row_sum_;  // sum_k H[l, k] per label l
};

}  // namespace caffe
