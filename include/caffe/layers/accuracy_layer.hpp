// Accuracy: the fraction of positions whose label is among the top_k scores along
// accuracy_param.axis (ties count against the label), skipping ignore_label. An
// optional second top holds the accuracy of each class (0 for classes never seen).
// It has no gradient.
#pragma once

#include "caffe/kernels/softmax.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class AccuracyLayer : public Layer<Dtype> {
 public:
  explicit AccuracyLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Accuracy"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }
  bool AllowForceBackward(int) const override { return false; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // Marks each position hit / miss / ignored on the side, then totals on the host.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    CheckLabels(*bottom[1]);
    Side::for_n(outcome_.count(), kernels::TopKHitAt<Dtype>{
        Side::data(bottom[0]), Side::data(bottom[1]), Side::mutable_data(&outcome_),
        channels_, inner_num_, top_k_, filter_});
    Tally(*bottom[1], top);
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>&, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>&) {
    for (bool p : propagate_down) LAYER_ENFORCE(!p, "Accuracy has no gradient to propagate");
  }

  void CheckLabels(const Blob<Dtype>& labels) const;
  void Tally(const Blob<Dtype>& labels, const vector<Blob<Dtype>*>& top);

  Blob<Dtype> outcome_;  // per position: 1 hit, 0 miss, -1 ignored
  kernels::LabelFilter filter_{false, 0};
  int top_k_ = 1, outer_num_ = 0, channels_ = 0, inner_num_ = 0;
};

}  // namespace caffe
