// Per-position math of Softmax, SoftmaxWithLoss and Accuracy. A blob is seen as
// outer x channels x inner; "position" p = o * inner + i names one softmax vector,
// whose channel c sits at o * channels * inner + c * inner + i. x and y may alias.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

CAFFE_HOST_DEVICE int64_t channel_base(int64_t p, int channels, int inner) {
  return (p / inner) * channels * inner + p % inner;
}

// y = exp(x - max x) / sum exp(x - max x) over the channels of position p.
template <typename Dtype>
struct SoftmaxForwardAt {
  const Dtype* x;
  Dtype* y;
  int channels, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t base = channel_base(p, channels, inner);
    Dtype m = x[base];
    for (int c = 1; c < channels; ++c) m = hd_max(m, x[base + c * inner]);
    Dtype sum = 0;
    for (int c = 0; c < channels; ++c) {
      const Dtype e = hd_exp(x[base + c * inner] - m);
      y[base + c * inner] = e;
      sum += e;
    }
    for (int c = 0; c < channels; ++c) y[base + c * inner] /= sum;
  }
};

// dx = (dy - <dy, y>) * y over the channels of position p (dx may alias dy).
template <typename Dtype>
struct SoftmaxBackwardAt {
  const Dtype* y;
  const Dtype* dy;
  Dtype* dx;
  int channels, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t base = channel_base(p, channels, inner);
    Dtype dot = 0;
    for (int c = 0; c < channels; ++c) dot += dy[base + c * inner] * y[base + c * inner];
    for (int c = 0; c < channels; ++c) {
      const int64_t k = base + c * inner;
      dx[k] = (dy[k] - dot) * y[k];
    }
  }
};

// Which labels count: all of them, or all but `ignore_label`.
struct LabelFilter {
  bool has_ignore;
  int ignore_label;
  CAFFE_HOST_DEVICE bool counts(int label) const { return !(has_ignore && label == ignore_label); }
};

// Per position: loss[p] = -log(prob of the labelled class), valid[p] = 1, or both 0
// when the label is ignored. Labels are range-checked on the host beforehand.
template <typename Dtype>
struct SoftmaxLossAt {
  const Dtype* prob;
  const Dtype* label;
  Dtype* loss;
  Dtype* valid;
  int channels, inner;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t p) const {
    const int l = static_cast<int>(label[p]);
    if (!filter.counts(l)) {
      loss[p] = 0;
      valid[p] = 0;
      return;
    }
    const Dtype q = prob[channel_base(p, channels, inner) + l * inner];
    loss[p] = -hd_log(hd_max(q, hd_tiny<Dtype>()));
    valid[p] = 1;
  }
};

// d loss / d x at position p, before normalization: prob - onehot(label), or 0 if ignored.
template <typename Dtype>
struct SoftmaxLossGradAt {
  const Dtype* prob;
  const Dtype* label;
  Dtype* dx;
  int channels, inner;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t p) const {
    const int l = static_cast<int>(label[p]);
    const bool use = filter.counts(l);
    const int64_t base = channel_base(p, channels, inner);
    for (int c = 0; c < channels; ++c) {
      const int64_t k = base + c * inner;
      dx[k] = use ? prob[k] - Dtype(c == l ? 1 : 0) : Dtype(0);
    }
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
