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
// loss[n] (which the layer totals) and d(sum)/d(theta) to dtheta[6n..6n+6).
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

// LocLoss, element x: 0.5 * over^2 with over = |x| - threshold where |x| > threshold,
// else 0; d loss / d x = sign(x) * over.
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype loc_over(Dtype v, Dtype threshold) {
  const Dtype a = v < Dtype(0) ? -v : v;
  return a > threshold ? a - threshold : Dtype(0);
}

template <typename Dtype>
struct LocLossTerm {  // reduction term over the elements
  const Dtype* x;
  Dtype threshold;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const {
    const Dtype over = loc_over(x[i], threshold);
    return Dtype(0.5) * over * over;
  }
};

template <typename Dtype>
struct LocLossGrad {  // grad = scale * d loss / d x
  const Dtype* x;
  Dtype threshold;
  Dtype* grad;
  Dtype scale;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const Dtype over = loc_over(x[i], threshold);
    grad[i] = scale * (x[i] < Dtype(0) ? -over : over);
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
//   d loss / d pred = out_w * in_w * (sigma2 * d if |d| < 1/sigma2 else sign(d))
// (the target gets its negative). Weights may be null (1).
template <typename Dtype>
struct SmoothL1 {
  const Dtype* pred;
  const Dtype* target;
  const Dtype* in_w;
  const Dtype* out_w;
  Dtype sigma2;
  CAFFE_HOST_DEVICE Dtype d(int64_t i) const { return (in_w ? in_w[i] : Dtype(1)) * (pred[i] - target[i]); }
  CAFFE_HOST_DEVICE Dtype loss(int64_t i) const {
    const Dtype v = d(i), a = v < Dtype(0) ? -v : v;
    const Dtype l = a < Dtype(1) / sigma2 ? Dtype(0.5) * sigma2 * v * v : a - Dtype(0.5) / sigma2;
    return (out_w ? out_w[i] : Dtype(1)) * l;
  }
  CAFFE_HOST_DEVICE Dtype grad(int64_t i) const {
    const Dtype v = d(i), a = v < Dtype(0) ? -v : v;
    const Dtype dd = a < Dtype(1) / sigma2 ? sigma2 * v : (v < Dtype(0) ? Dtype(-1) : Dtype(1));
    return (out_w ? out_w[i] : Dtype(1)) * (in_w ? in_w[i] : Dtype(1)) * dd;
  }
};

template <typename Dtype>
struct SmoothL1Term {  // reduction term over the elements (outside weights may be negative)
  SmoothL1<Dtype> f;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const { return f.loss(i); }
};

template <typename Dtype>
struct SmoothL1Grad {  // dx = scale * d loss / d pred
  SmoothL1<Dtype> f;
  Dtype* dx;
  Dtype scale;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { dx[i] = scale * f.grad(i); }
};

}  // namespace st
}  // namespace caffe
