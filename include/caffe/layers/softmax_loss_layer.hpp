// SoftmaxWithLoss: softmax along softmax_param.axis, then the mean (see
// loss_param.normalization) of -log(probability of the labelled class) over all
// positions whose label is not loss_param.ignore_label. Bottoms: scores and integer
// labels (one per position); an optional second top receives the probabilities.
// The labels take no gradient: asking for one is an error.
#pragma once

#include "caffe/kernels/softmax.hpp"
#include "caffe/layers/layer_util.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/layers/softmax_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SoftmaxWithLossLayer : public LossLayer<Dtype> {
 public:
  explicit SoftmaxWithLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "SoftmaxWithLoss"; }
  int ExactNumTopBlobs() const override { return -1; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  int64_t positions() const { return int64_t(outer_num_) * inner_num_; }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    softmax_layer_->Forward(softmax_bottom_, softmax_top_);
    check_class_labels(this->where(), *bottom[1], channels_, filter_.has_ignore, filter_.ignore_label);
    const int n = static_cast<int>(positions());
    Side::for_n(n, kernels::SoftmaxLossAt<Dtype>{
        Side::data(&prob_), Side::data(bottom[1]), Side::mutable_data(&loss_),
        Side::mutable_data(&valid_), channels_, inner_num_, filter_});
    const Dtype loss = Side::asum(n, Side::data(&loss_));
    const int valid_count =
        filter_.has_ignore ? static_cast<int>(Side::asum(n, Side::data(&valid_)) + Dtype(0.5)) : -1;
    normalizer_ = this->Normalizer(mode_, outer_num_, inner_num_, valid_count);
    top[0]->mutable_cpu_data()[0] = loss / normalizer_;
    if (top.size() >= 2) top[1]->ShareData(prob_);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1], "cannot backpropagate to the label input (bottom 1); "
                  "set propagate_down: false for it");
    if (!propagate_down[0]) return;
    Dtype* dx = Side::mutable_diff(bottom[0]);
    Side::for_n(positions(), kernels::SoftmaxLossGradAt<Dtype>{
        Side::data(&prob_), Side::data(bottom[1]), dx, channels_, inner_num_, filter_});
    Side::scal(bottom[0]->count(), top[0]->cpu_diff()[0] / normalizer_, dx);
  }

  shared_ptr<SoftmaxLayer<Dtype>> softmax_layer_;
  Blob<Dtype> prob_;
  vector<Blob<Dtype>*> softmax_bottom_, softmax_top_;
  Blob<Dtype> loss_, valid_;  // per position
  kernels::LabelFilter filter_{false, 0};
  LossParameter_NormalizationMode mode_ = LossParameter_NormalizationMode_VALID;
  Dtype normalizer_ = 1;
  int outer_num_ = 0, channels_ = 0, inner_num_ = 0;
};

}  // namespace caffe
