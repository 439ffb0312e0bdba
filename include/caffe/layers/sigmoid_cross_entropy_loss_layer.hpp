// SigmoidCrossEntropyLoss: the cross-entropy between sigmoid(x) and targets p in [0, 1]
// (bottom 1, same count as x), summed and divided as loss_param.normalization says
// (default VALID: by the number of targets that are not loss_param.ignore_label).
// dL/dx = (sigmoid(x) - p) / normalizer. The targets take no gradient.
#pragma once

#include "caffe/kernels/losses.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SigmoidCrossEntropyLossLayer : public LossLayer<Dtype> {
 public:
  explicit SigmoidCrossEntropyLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "SigmoidCrossEntropyLoss"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::LabelFilter filter() const {
    const LossParameter& p = this->layer_param_.loss_param();
    return {p.has_ignore_label(), p.ignore_label()};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int n = bottom[0]->count();
    const Dtype* p = Side::data(bottom[1]);
    const double loss =
        Side::total(n, kernels::SigmoidCrossEntropyTerm<Dtype>{Side::data(bottom[0]), p, filter()});
    const int valid = static_cast<int>(Side::total(n, kernels::CountedLabel<Dtype>{p, filter()}) + 0.5);
    normalizer_ = this->Normalizer(this->NormalizationMode(), bottom[0]->shape(0),
                                   n / bottom[0]->shape(0), valid);
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(loss / normalizer_);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[1], "cannot propagate a gradient to the targets");
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::SigmoidCrossEntropyGradAt<Dtype>{
        Side::data(bottom[0]), Side::data(bottom[1]), Side::mutable_diff(bottom[0]),
        top[0]->cpu_diff()[0] / normalizer_, filter()});
  }

  Dtype normalizer_ = 1;
};

}  // namespace caffe
