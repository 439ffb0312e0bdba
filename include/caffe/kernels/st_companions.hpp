// Per-element math of the spatial-transformer companion layers (STLoss, LocLoss,
// PowerFile, SmoothL1Loss), written once for their CPU loops (cpu_for) and CUDA
// kernels (gpu_for). Each functor takes raw pointers and scalars by value.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/spatial_transformer.hpp"

namespace caffe {
namespace st {

// How far v lies outside [-1, 1], signed: v - clamp(v, -1, 1) (0 for NaN).
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype excess(Dtype v) {
  return v > Dtype(1) ? v - Dtype(1) : v < Dtype(-1) ? v + Dtype(1) : Dtype(0);
}

// STLoss for one sample n: the H_out x W_out sampling grid of theta (the layer's default
// coordinates) is penalised by 0.5 * excess^2 on each axis. Writes the sample's sum to
// loss[n] and d(sum)/d(theta) to dtheta[6n..6n+6).
template <typename Dtype>
struct STLossSample {
  const Dtype* theta;
  int H_out, W_out;
  Dtype* loss;
  Dtype* dtheta;
  CAFFE_HOST_DEVICE void operator()(int64_t n) const {
    const Dtype* th = theta + 6 * n;
    Dtype sum = 0, g[6] = {0, 0, 0, 0, 0, 0};
    for (int s = 0; s < H_out; ++s) {
      const Dtype xt = target_coord<Dtype>(s, H_out, false);
      for (int t = 0; t < W_out; ++t) {
        const Dtype yt = target_coord<Dtype>(t, W_out, false);
        Dtype xs, ys;
        source_coords(th, xt, yt, &xs, &ys);
        const Dtype ex = excess(xs), ey = excess(ys);
        sum += Dtype(0.5) * (ex * ex + ey * ey);
        accumulate_theta_grad(ex, ey, xt, yt, g);
      }
    }
    loss[n] = sum;
    for (int j = 0; j < 6; ++j) dtheta[6 * n + j] = g[j];
  }
};

// LocLoss, element i: 0.5 * (|x| - threshold)^2 where |x| > threshold, else 0.
template <typename Dtype>
struct LocLossElement {
  const Dtype* x;
  Dtype threshold;
  Dtype* loss;   // per-element loss (may be null)
  Dtype* grad;   // d loss / d x times `scale` (may be null)
  Dtype scale;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const Dtype v = x[i], a = v < Dtype(0) ? -v : v;
    const Dtype over = a > threshold ? a - threshold : Dtype(0);
    if (loss) loss[i] = Dtype(0.5) * over * over;
    if (grad) grad[i] = scale * (v < Dtype(0) ? -over : over);
  }
};

// PowerFile, element i: y = x + shift[feature], the shift broadcast over the batch.
template <typename Dtype>
struct AddShiftElement {
  const Dtype* x;
  const Dtype* shift;
  int features;
  Dtype* y;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { y[i] = x[i] + shift[i % features]; }
};

// SmoothL1Loss (Fast R-CNN), element i, with d = in_w * (pred - target):
//   loss = out_w * (0.5 * sigma2 * d^2 if |d| < 1/sigma2 else |d| - 0.5/sigma2)
//   grad = scale * out_w * in_w * (sigma2 * d if |d| < 1/sigma2 else sign(d))
// where grad is d loss / d pred (the target gets its negative). Weights may be null (1).
template <typename Dtype>
struct SmoothL1Element {
  const Dtype* pred;
  const Dtype* target;
  const Dtype* in_w;
  const Dtype* out_w;
  Dtype sigma2;
  Dtype* loss;  // may be null
  Dtype* grad;  // may be null
  Dtype scale;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const Dtype wi = in_w ? in_w[i] : Dtype(1), wo = out_w ? out_w[i] : Dtype(1);
    const Dtype d = wi * (pred[i] - target[i]), a = d < Dtype(0) ? -d : d;
    const bool quadratic = a < Dtype(1) / sigma2;
    if (loss) loss[i] = wo * (quadratic ? Dtype(0.5) * sigma2 * d * d : a - Dtype(0.5) / sigma2);
    if (grad) {
      const Dtype dd = quadratic ? sigma2 * d : (d < Dtype(0) ? Dtype(-1) : Dtype(1));
      grad[i] = scale * wo * wi * dd;
    }
  }
};

}  // namespace st
}  // namespace caffe
