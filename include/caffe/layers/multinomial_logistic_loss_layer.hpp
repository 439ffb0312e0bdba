// MultinomialLogisticLoss: probabilities p (N x K...) and class labels (N);
// L = -sum log(max(p[label], 1e-20)) / N. The labels take no gradient.
#pragma once

#include "caffe/kernels/losses.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class MultinomialLogisticLossLayer : public LossLayer<Dtype> {
 public:
  explicit MultinomialLogisticLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "MultinomialLogisticLoss"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    CheckLabels(bottom);
    const int num = bottom[0]->shape(0);
    const double loss = Side::total(num, kernels::MultinomialLogisticTerm<Dtype>{
        Side::data(bottom[0]), Side::data(bottom[1]), bottom[0]->count(1)});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(loss / num);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1], "cannot propagate a gradient to the labels");
    if (!propagate_down[0]) return;
    const int num = bottom[0]->shape(0);
    Side::for_n(bottom[0]->count(), kernels::MultinomialLogisticGradAt<Dtype>{
        Side::data(bottom[0]), Side::data(bottom[1]), Side::mutable_diff(bottom[0]),
        bottom[0]->count(1), top[0]->cpu_diff()[0] / num});
  }

  void CheckLabels(const vector<Blob<Dtype>*>& bottom) const;
};

}  // namespace caffe
