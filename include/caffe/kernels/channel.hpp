// Per-channel math shared by the layers that broadcast a small vector along one span of
// axes (Scale, Bias, BatchNorm, MVN, PReLU). A blob is seen as outer x dim x inner; entry i
// belongs to channel (i / inner) % dim. The per-channel sums these layers need are
// segmented reductions (kernels/segments.hpp, Segments::across).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

CAFFE_HOST_DEVICE int64_t channel_of(int64_t i, int64_t dim, int64_t inner) {
  return (i / inner) % dim;
}

// y = x * s[c] + b[c]; a null s means 1, a null b means 0. Safe in place.
template <typename Dtype>
struct ChannelAffine {
  const Dtype* x;
  const Dtype* s;
  const Dtype* b;
  Dtype* y;
  int64_t dim, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t c = channel_of(i, dim, inner);
    y[i] = x[i] * (s ? s[c] : Dtype(1)) + (b ? b[c] : Dtype(0));
  }
};

// Normalization (BatchNorm, MVN), per channel: inv_std = 1 / sqrt(var + eps), or
// 1 / (sqrt(var) + eps) with eps_on_std, or 1 without var; shift = -mean * inv_std, so that
// the normalized value is ChannelAffine{x, inv_std, shift}.
template <typename Dtype>
struct NormalizeCoefficients {
  const Dtype* mean;
  const Dtype* var;
  Dtype eps;
  bool eps_on_std;
  Dtype* inv_std;
  Dtype* shift;
  CAFFE_HOST_DEVICE void operator()(int64_t c) const {
    if (!var) {
      inv_std[c] = Dtype(1);
    } else if (eps_on_std) {
      inv_std[c] = Dtype(1) / (hd_pow(var[c], Dtype(0.5)) + eps);
    } else {
      inv_std[c] = hd_pow(var[c] + eps, Dtype(-0.5));
    }
    shift[c] = -mean[c] * inv_std[c];
  }
};

// Gradient through normalization statistics: dx = (dy - mean(dy) - y * mean(dy * y)) *
// inv_std, the means taken per channel (a null mean_dy_y: no variance was divided by).
// Safe in place (dx may be dy).
template <typename Dtype>
struct NormalizeBackward {
  const Dtype* dy;
  const Dtype* y;
  const Dtype* mean_dy;
  const Dtype* mean_dy_y;
  const Dtype* inv_std;
  Dtype* dx;
  int64_t dim, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t c = channel_of(i, dim, inner);
    dx[i] = (dy[i] - mean_dy[c] - (mean_dy_y ? y[i] * mean_dy_y[c] : Dtype(0))) * inv_std[c];
  }
};

// PReLU: y = x for x > 0, a[c] * x otherwise.
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype prelu_slope(Dtype x, Dtype a) { return x > Dtype(0) ? Dtype(1) : a; }

template <typename Dtype>
struct PReLUForward {
  const Dtype* x;
  const Dtype* a;
  Dtype* y;
  int64_t dim, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    y[i] = x[i] * prelu_slope(x[i], a[channel_of(i, dim, inner)]);
  }
};

template <typename Dtype>
struct PReLUBackward {  // dx = dy * slope; safe in place
  const Dtype* x;
  const Dtype* a;
  const Dtype* dy;
  Dtype* dx;
  int64_t dim, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    dx[i] = dy[i] * prelu_slope(x[i], a[channel_of(i, dim, inner)]);
  }
};

template <typename Dtype>
struct PReLUSlopeTerm {  // reduction term: dy * (d y / d a), d y / d a = x where x <= 0
  const Dtype* x;
  const Dtype* dy;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const {
    return x[i] > Dtype(0) ? Dtype(0) : x[i] * dy[i];
  }
};

}  // namespace kernels
}  // namespace caffe
