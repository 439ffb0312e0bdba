// Per-element math of local response normalization, shared by the CPU loops
// (lrn_layer.cpp) and the CUDA kernels (lrn_layer.cu). With the neighbourhood W(i) of
// element i (local_size channels around it at the same pixel, or local_size x
// local_size pixels around it in its channel, clipped to the blob):
//   scale_i = k + alpha / norm * sum_{j in W(i)} x_j^2,   y_i = x_i * scale_i^-beta
// (norm = local_size, or local_size^2 within a channel). local_size is odd, so W is
// symmetric and the gradient is
//   dx_j = dy_j * scale_j^-beta - 2 * alpha * beta / norm * x_j * sum_{i in W(j)} dy_i * y_i / scale_i.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {

template <typename Dtype>
struct LRNGeometry {
  int channels, height, width;
  int size;            // local_size (odd)
  bool within_channel;
  Dtype alpha_over_norm, beta, k;
};

// Sum over j in W(i) of a_j * b_j, divided by c_j when c is given.
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype lrn_window_sum(const LRNGeometry<Dtype>& g, int64_t i, const Dtype* a,
                                       const Dtype* b, const Dtype* c) {
  const int half = (g.size - 1) / 2;
  const int64_t plane = static_cast<int64_t>(g.height) * g.width;
  Dtype sum = 0;
  if (!g.within_channel) {
    const int64_t pixel = i % plane;
    const int ch = static_cast<int>((i / plane) % g.channels);
    const int64_t base = (i / plane - ch) * plane + pixel;  // channel 0, same pixel
    const int c0 = ch - half > 0 ? ch - half : 0;
    const int c1 = ch + half + 1 < g.channels ? ch + half + 1 : g.channels;
    for (int cc = c0; cc < c1; ++cc) {
      const int64_t j = base + cc * plane;
      sum += c ? a[j] * b[j] / c[j] : a[j] * b[j];
    }
    return sum;
  }
  const int w = static_cast<int>(i % g.width);
  const int h = static_cast<int>((i / g.width) % g.height);
  const int64_t base = (i / plane) * plane;
  const int h0 = h - half > 0 ? h - half : 0, h1 = h + half + 1 < g.height ? h + half + 1 : g.height;
  const int w0 = w - half > 0 ? w - half : 0, w1 = w + half + 1 < g.width ? w + half + 1 : g.width;
  for (int hh = h0; hh < h1; ++hh) {
    for (int ww = w0; ww < w1; ++ww) {
      const int64_t j = base + hh * g.width + ww;
      sum += c ? a[j] * b[j] / c[j] : a[j] * b[j];
    }
  }
  return sum;
}

template <typename Dtype>
struct LRNForward {
  const Dtype* x;
  Dtype* scale;
  Dtype* y;
  LRNGeometry<Dtype> g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const Dtype s = g.k + g.alpha_over_norm * lrn_window_sum<Dtype>(g, i, x, x, nullptr);
    scale[i] = s;
    y[i] = x[i] * kernels::hd_pow(s, -g.beta);
  }
};

template <typename Dtype>
struct LRNBackward {
  const Dtype* x;
  const Dtype* y;
  const Dtype* scale;
  const Dtype* dy;
  Dtype* dx;
  LRNGeometry<Dtype> g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const Dtype acc = lrn_window_sum<Dtype>(g, i, dy, y, scale);
    dx[i] = dy[i] * kernels::hd_pow(scale[i], -g.beta) - Dtype(2) * g.alpha_over_norm * g.beta * x[i] * acc;
  }
};

}  // namespace caffe
