// SoftmaxWithLoss: softmax along softmax_param.axis, then the mean (see
// loss_param.normalization) of -log(probability of the labelled class) over all
// positions whose label is not loss_param.ignore_label. Bottoms: scores and integer
// labels (one per position); an optional second top receives the probabilities.
// The labels take no gradient: asking for one is an error. See SoftmaxBasedLossLayer.
#pragma once

#include "caffe/layers/softmax_based_loss_layer.hpp"

namespace caffe {

template <typename Dtype>
class SoftmaxWithLossLayer : public SoftmaxBasedLossLayer<Dtype> {
 public:
  explicit SoftmaxWithLossLayer(const LayerParameter& param) : SoftmaxBasedLossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "SoftmaxWithLoss"; }
  int ExactNumTopBlobs() const override { return -1; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  int softmax_axis() const override { return this->layer_param_.softmax_param().axis(); }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    this->ForwardSoftmax(bottom);
    const double loss = Side::total(this->positions(), kernels::SoftmaxLossTerm<Dtype>{
        Side::data(&this->prob_), Side::data(bottom[1]), this->classes_, this->inner_,
        this->filter_});
    this->SetLoss(loss, this->template CountValid<Side>(bottom[1]), top[0]);
    if (top.size() >= 2) top[1]->ShareData(this->prob_);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1], "cannot backpropagate to the label input (bottom 1); "
                  "set propagate_down: false for it");
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::SoftmaxLossGrad<Dtype>{
        Side::data(&this->prob_), Side::data(bottom[1]), Side::mutable_diff(bottom[0]),
        this->classes_, this->inner_, this->GradientScale(top[0]), this->filter_});
  }
};

}  // namespace caffe
