// BatchNorm: normalizes each channel (axis 1; a 1-D bottom is one channel) to zero mean and
// unit variance, y = (x - mean) / sqrt(var + eps). With use_global_stats (default: true in
// TEST) mean and var are the stored statistics; otherwise they are the batch's, over N and
// the spatial axes, and the stored ones are updated as in BVLC: blobs are the running sums
// of means, of (unbiased) variances and of the weights, each multiplied by
// moving_average_fraction before the batch's is added; the statistics are sums / weight.
// The blobs are not learned (lr_mult 0).
#pragma once

#include "caffe/kernels/channel.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class BatchNormLayer : public Layer<Dtype> {
 public:
  explicit BatchNormLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "BatchNorm"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Dtype* mean = Side::mutable_data(&mean_);
    Dtype* var = Side::mutable_data(&var_);
    if (use_global_stats_) {
      const Dtype weight = this->blobs_[2]->cpu_data()[0];
      const Dtype f = weight == 0 ? Dtype(0) : Dtype(1) / weight;
      Side::copy(channels_, Side::data(this->blobs_[0].get()), mean);
      Side::scal(channels_, f, mean);
      Side::copy(channels_, Side::data(this->blobs_[1].get()), var);
      Side::scal(channels_, f, var);
    } else {
      const Dtype* x = Side::data(bottom[0]);
      const Dtype inv_m = Dtype(1) / (num_ * spatial_);
      Side::segment_sum(per_channel(), kernels::Value<Dtype>{x}, mean, inv_m);
      Side::segment_sum(per_channel(), kernels::CenteredSquare<Dtype>{x, mean}, var, inv_m);
      UpdateStatistics<Side>();
    }
    Side::for_n(channels_, kernels::NormalizeCoefficients<Dtype>{
        mean, var, eps_, false, Side::mutable_data(&inv_std_), Side::mutable_data(&shift_)});
    Side::for_n(top[0]->count(), kernels::ChannelAffine<Dtype>{
        Side::data(bottom[0]), Side::data(&inv_std_), Side::data(&shift_),
        Side::mutable_data(top[0]), channels_, spatial_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const Dtype* dy = Side::diff(top[0]);
    Dtype* dx = Side::mutable_diff(bottom[0]);
    const Dtype* inv_std = Side::data(&inv_std_);
    if (use_global_stats_) {
      Side::for_n(top[0]->count(), kernels::ChannelAffine<Dtype>{
          dy, inv_std, nullptr, dx, channels_, spatial_});
      return;
    }
    const Dtype* y = Side::data(top[0]);
    const Dtype inv_m = Dtype(1) / (num_ * spatial_);
    Dtype* mean_dy = Side::mutable_data(&mean_);  // the statistics are no longer needed
    Dtype* mean_dy_y = Side::mutable_data(&var_);
    Side::segment_sum(per_channel(), kernels::Value<Dtype>{dy}, mean_dy, inv_m);
    Side::segment_sum(per_channel(), kernels::Product<Dtype>{dy, y}, mean_dy_y, inv_m);
    Side::for_n(top[0]->count(), kernels::NormalizeBackward<Dtype>{
        dy, y, mean_dy, mean_dy_y, inv_std, dx, channels_, spatial_});
  }

  // The values of each channel: over the batch and the spatial axes.
  kernels::Segments per_channel() const {
    return kernels::Segments::across(num_, channels_, spatial_);
  }

  // Folds this batch's mean_ and var_ into the stored running sums.
  template <class Side>
  void UpdateStatistics() {
    const Dtype f = moving_average_fraction_;
    Dtype* weight = this->blobs_[2]->mutable_cpu_data();
    weight[0] = weight[0] * f + 1;
    const int64_t m = num_ * spatial_;
    const Dtype correction = m > 1 ? Dtype(m) / Dtype(m - 1) : Dtype(1);
    Dtype* mean_sum = Side::mutable_data(this->blobs_[0].get());
    Side::scal(channels_, f, mean_sum);
    Side::axpy(channels_, Dtype(1), Side::data(&mean_), mean_sum);
    Dtype* var_sum = Side::mutable_data(this->blobs_[1].get());
    Side::scal(channels_, f, var_sum);
    Side::axpy(channels_, correction, Side::data(&var_), var_sum);
  }

  bool use_global_stats_ = false;
  Dtype moving_average_fraction_ = 0, eps_ = 0;
  int64_t num_ = 1, channels_ = 1, spatial_ = 1;
  Blob<Dtype> mean_, var_, inv_std_, shift_;  // per channel
};

}  // namespace caffe
