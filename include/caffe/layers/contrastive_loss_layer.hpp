// ContrastiveLoss: bottoms a and b (N x C...) and a similarity label y (N). With d the
// Euclidean distance of a pair, L = sum over pairs of (y ? d^2 : max(margin - d, 0)^2) / 2N,
// or with legacy_version (y ? d^2 : max(margin - d^2, 0)) / 2N. a and b take gradients.
#pragma once

#include "caffe/kernels/channel.hpp"
#include "caffe/kernels/losses.hpp"
#include "caffe/layers/loss_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class ContrastiveLossLayer : public LossLayer<Dtype> {
 public:
  explicit ContrastiveLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "ContrastiveLoss"; }
  int ExactNumBottomBlobs() const override { return 3; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  kernels::ContrastiveTerm<Dtype> term() const {
    const ContrastiveLossParameter& p = this->layer_param_.contrastive_loss_param();
    return {static_cast<Dtype>(p.margin()), p.legacy_version()};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int n = bottom[0]->count(), pairs = bottom[0]->shape(0);
    Dtype* diff = Side::mutable_data(&diff_);
    Side::copy(n, Side::data(bottom[0]), diff);
    Side::axpy(n, Dtype(-1), Side::data(bottom[1]), diff);
    Side::segment_sum(kernels::Segments::rows(pairs, n / pairs), kernels::Product<Dtype>{diff, diff},
                      Side::mutable_data(&dist_sq_));
    const double loss = Side::total(pairs, kernels::ContrastiveLossTerm<Dtype>{
        Side::data(&dist_sq_), Side::data(bottom[2]), term()});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(loss / (2.0 * pairs));
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    LAYER_ENFORCE(!propagate_down[2], "cannot propagate a gradient to the similarity labels");
    const int n = bottom[0]->count(), pairs = bottom[0]->shape(0);
    for (int i = 0; i < 2; ++i) {
      if (!propagate_down[i]) continue;
      const Dtype scale = (i == 0 ? 1 : -1) * top[0]->cpu_diff()[0] / Dtype(2 * pairs);
      Side::for_n(n, kernels::ContrastiveGradAt<Dtype>{
          Side::data(&diff_), Side::data(&dist_sq_), Side::data(bottom[2]),
          Side::mutable_diff(bottom[i]), n / pairs, scale, term()});
    }
  }

  Blob<Dtype> diff_;              // a - b
  Blob<Dtype> dist_sq_;           // per pair
};

}  // namespace caffe
