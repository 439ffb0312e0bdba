// MVN (mean-variance normalization): per item and channel (or per item with
// mvn_param.across_channels) subtracts the mean and, with normalize_variance (default),
// divides by sqrt(variance) + eps. The per-channel math is BatchNorm's (kernels/channel.hpp)
// with each normalized group of values as one "channel".
#pragma once

#include "caffe/kernels/channel.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class MVNLayer : public Layer<Dtype> {
 public:
  explicit MVNLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "MVN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const MVNParameter& p = this->layer_param_.mvn_param();
    const Dtype* x = Side::data(bottom[0]);
    Dtype* mean = Side::mutable_data(&mean_);
    Dtype* var = p.normalize_variance() ? Side::mutable_data(&var_) : nullptr;
    const kernels::Segments groups = kernels::Segments::rows(groups_, size_);
    Side::segment_sum(groups, kernels::Value<Dtype>{x}, mean, Dtype(1) / size_);
    if (var) Side::segment_sum(groups, kernels::CenteredSquare<Dtype>{x, mean}, var, Dtype(1) / size_);
    Side::for_n(groups_, kernels::NormalizeCoefficients<Dtype>{
        mean, var, static_cast<Dtype>(p.eps()), true, Side::mutable_data(&inv_std_),
        Side::mutable_data(&shift_)});
    Side::for_n(top[0]->count(), kernels::ChannelAffine<Dtype>{
        x, Side::data(&inv_std_), Side::data(&shift_), Side::mutable_data(top[0]), groups_, size_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const bool variance = this->layer_param_.mvn_param().normalize_variance();
    const Dtype* dy = Side::diff(top[0]);
    const Dtype* y = Side::data(top[0]);
    Dtype* mean_dy = Side::mutable_data(&mean_);
    Dtype* mean_dy_y = variance ? Side::mutable_data(&var_) : nullptr;
    const kernels::Segments groups = kernels::Segments::rows(groups_, size_);
    Side::segment_sum(groups, kernels::Value<Dtype>{dy}, mean_dy, Dtype(1) / size_);
    if (variance) {
      Side::segment_sum(groups, kernels::Product<Dtype>{dy, y}, mean_dy_y, Dtype(1) / size_);
    }
    Side::for_n(top[0]->count(), kernels::NormalizeBackward<Dtype>{
        dy, y, mean_dy, mean_dy_y, Side::data(&inv_std_), Side::mutable_diff(bottom[0]), groups_,
        size_});
  }

  int64_t groups_ = 1, size_ = 1;  // groups normalized separately, values per group
  Blob<Dtype> mean_, var_, inv_std_, shift_;  // per group
};

}  // namespace caffe
