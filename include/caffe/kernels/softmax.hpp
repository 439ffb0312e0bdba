// Per-position math of Softmax, SoftmaxWithLoss, InfogainLoss and Accuracy. A blob is seen
// as outer x channels x inner; "position" p = o * inner + k names one softmax vector,
// whose channel c sits at (o * channels + c) * inner + k. The sums and maxima over a
// position's channels are segmented reductions (Segments::along(outer, channels, inner),
// one segment per position); the functors here are the per-entry steps around them.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

CAFFE_HOST_DEVICE int64_t channel_base(int64_t p, int64_t channels, int64_t inner) {
  return (p / inner) * channels * inner + p % inner;
}
// The position of entry i.
CAFFE_HOST_DEVICE int64_t position_of(int64_t i, int64_t channels, int64_t inner) {
  return (i / (channels * inner)) * inner + i % inner;
}

// y[i] = exp(x[i] - m[p]), m holding each position's maximum (x and y may alias).
template <typename Dtype>
struct ExpShifted {
  const Dtype* x;
  const Dtype* m;
  Dtype* y;
  int64_t channels, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    y[i] = hd_exp(x[i] - m[position_of(i, channels, inner)]);
  }
};

// y[i] /= sum[p]: normalizes each position's exponentials.
template <typename Dtype>
struct DivideByPosition {
  Dtype* y;
  const Dtype* sum;
  int64_t channels, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { y[i] /= sum[position_of(i, channels, inner)]; }
};

// dx[i] = (dy[i] - dot[p]) * y[i], dot[p] = <dy, y> over the position (dx may alias dy).
template <typename Dtype>
struct SoftmaxGrad {
  const Dtype* y;
  const Dtype* dy;
  const Dtype* dot;
  Dtype* dx;
  int64_t channels, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    dx[i] = (dy[i] - dot[position_of(i, channels, inner)]) * y[i];
  }
};

// Which labels count: all of them, or all but `ignore_label`.
struct LabelFilter {
  bool has_ignore;
  int ignore_label;
  CAFFE_HOST_DEVICE bool counts(int label) const { return !(has_ignore && label == ignore_label); }
};

// Reduction terms over positions p: the loss -log(probability of the labelled class),
// 0 where the label is ignored (labels are range-checked on the host beforehand); and 1
// for each label that counts.
template <typename Dtype>
struct SoftmaxLossTerm {
  const Dtype* prob;
  const Dtype* label;
  int64_t channels, inner;
  LabelFilter filter;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t p, int64_t) const {
    const int l = static_cast<int>(label[p]);
    if (!filter.counts(l)) return Dtype(0);
    return -hd_log(hd_max(prob[channel_base(p, channels, inner) + l * inner], hd_tiny<Dtype>()));
  }
};
template <typename Dtype>
struct CountedLabel {
  const Dtype* label;
  LabelFilter filter;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t p, int64_t) const {
    return filter.counts(static_cast<int>(label[p])) ? Dtype(1) : Dtype(0);
  }
};

// The loss's gradient, one call per entry: scale * (prob - onehot(label)), or 0 where
// the position's label is ignored.
template <typename Dtype>
struct SoftmaxLossGrad {
  const Dtype* prob;
  const Dtype* label;
  Dtype* dx;
  int64_t channels, inner;
  Dtype scale;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int l = static_cast<int>(label[position_of(i, channels, inner)]);
    const int c = static_cast<int>((i / inner) % channels);
    dx[i] = filter.counts(l) ? scale * (prob[i] - Dtype(c == l ? 1 : 0)) : Dtype(0);
  }
};

// Accuracy at position p: outcome[p] = 1 when the labelled class is among the top_k
// scores (ties count against it, as in BVLC), 0 when not, -1 when the label is ignored.
template <typename Dtype>
struct TopKHitAt {
  const Dtype* score;
  const Dtype* label;
  Dtype* outcome;
  int channels, inner, top_k;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t p) const {
    const int l = static_cast<int>(label[p]);
    if (!filter.counts(l)) {
      outcome[p] = -1;
      return;
    }
    const int64_t base = channel_base(p, channels, inner);
    const Dtype truth = score[base + l * inner];
    int at_least_as_good = 0;  // includes the labelled class itself
    for (int c = 0; c < channels && at_least_as_good <= top_k; ++c)
      at_least_as_good += score[base + c * inner] >= truth ? 1 : 0;
    outcome[p] = at_least_as_good <= top_k ? Dtype(1) : Dtype(0);
  }
};

}  // namespace kernels
}  // namespace caffe
