// Per-element math of 2-D max and average pooling, shared by the CPU loops
// (pooling_layer.cpp) and the CUDA kernels (pooling_layer.cu). Blobs are
// N x C x H x W; every call handles one element, forward over the top and backward
// over the bottom (a gather over the windows that contain the element, so no two
// calls write the same place).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {

struct PoolGeometry {
  int height, width;          // bottom spatial size
  int pooled_h, pooled_w;     // top spatial size
  int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
};

// Output extent of one axis, Caffe style: ceil (or floor) of (in + 2*pad - kernel)/stride,
// plus one; with padding, a last window starting in the bottom/right padding is dropped.
// Expects in + 2*pad >= kernel.
CAFFE_HOST_DEVICE int pooled_size(int in, int kernel, int pad, int stride, bool ceil_mode,
                                  bool any_pad) {
  const int span = in + 2 * pad - kernel;
  int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (any_pad && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Top rows (or columns) [*first, *last) whose windows contain bottom row (column) x.
CAFFE_HOST_DEVICE void covering_windows(int x, int kernel, int pad, int stride, int pooled,
                                        int* first, int* last) {
  const int xp = x + pad;
  *first = xp < kernel ? 0 : (xp - kernel) / stride + 1;
  const int end = xp / stride + 1;
  *last = end < pooled ? end : pooled;
}

// One window along one axis: [*start, *end) clipped to the image; returns the length of
// the window clipped to the padded image instead (the divisor of average pooling).
CAFFE_HOST_DEVICE int pool_window(int p, int kernel, int pad, int stride, int in, int* start,
                                  int* end) {
  int s = p * stride - pad;
  int e = s + kernel < in + pad ? s + kernel : in + pad;
  const int padded_len = e - s;
  *start = s > 0 ? s : 0;
  *end = e < in ? e : in;
  return padded_len;
}

// The window of top element i: its plane (n * C + c), the window clipped to the image
// ([hs, he) x [ws, we)), and its area within the padded image.
struct TopWindow {
  int64_t plane;
  int hs, he, ws, we, area;
};
CAFFE_HOST_DEVICE TopWindow top_window(const PoolGeometry& g, int64_t i) {
  TopWindow t;
  const int pw = static_cast<int>(i % g.pooled_w);
  const int ph = static_cast<int>((i / g.pooled_w) % g.pooled_h);
  t.plane = i / (static_cast<int64_t>(g.pooled_w) * g.pooled_h);
  t.area = pool_window(ph, g.kernel_h, g.pad_h, g.stride_h, g.height, &t.hs, &t.he) *
           pool_window(pw, g.kernel_w, g.pad_w, g.stride_w, g.width, &t.ws, &t.we);
  return t;
}

// Bottom element i (row h, column w of its plane) and the top elements
// [ph0, ph1) x [pw0, pw1) whose windows contain it.
struct BottomCover {
  int64_t plane;
  int h, w, ph0, ph1, pw0, pw1;
};
CAFFE_HOST_DEVICE BottomCover bottom_cover(const PoolGeometry& g, int64_t i) {
  BottomCover b;
  b.w = static_cast<int>(i % g.width);
  b.h = static_cast<int>((i / g.width) % g.height);
  b.plane = i / (static_cast<int64_t>(g.width) * g.height);
  covering_windows(b.h, g.kernel_h, g.pad_h, g.stride_h, g.pooled_h, &b.ph0, &b.ph1);
  covering_windows(b.w, g.kernel_w, g.pad_w, g.stride_w, g.pooled_w, &b.pw0, &b.pw1);
  return b;
}

// top = max over the window; mask = the winner's index h * W + w within its plane (the
// first one on ties), or -1 (and top = 0) for a window with no pixel in the image.
template <typename Dtype>
struct MaxPoolForward {
  const Dtype* bottom;
  Dtype* top;
  Dtype* mask;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const TopWindow t = top_window(g, i);
    const Dtype* x = bottom + t.plane * g.height * g.width;
    int best = -1;
    Dtype best_val = 0;
    for (int h = t.hs; h < t.he; ++h) {
      for (int w = t.ws; w < t.we; ++w) {
        const int idx = h * g.width + w;
        if (best < 0 || x[idx] > best_val) {
          best = idx;
          best_val = x[idx];
        }
      }
    }
    top[i] = best_val;
    mask[i] = static_cast<Dtype>(best);
  }
};

// bottom_diff = sum of the top diffs of the windows whose mask names this element.
template <typename Dtype>
struct MaxPoolBackward {
  const Dtype* top_diff;
  const Dtype* mask;
  Dtype* bottom_diff;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const BottomCover b = bottom_cover(g, i);
    const int64_t offset = b.plane * g.pooled_h * g.pooled_w;
    const int idx = b.h * g.width + b.w;
    Dtype sum = 0;
    for (int ph = b.ph0; ph < b.ph1; ++ph) {
      for (int pw = b.pw0; pw < b.pw1; ++pw) {
        const int64_t t = offset + ph * g.pooled_w + pw;
        if (static_cast<int>(mask[t]) == idx) sum += top_diff[t];
      }
    }
    bottom_diff[i] = sum;
  }
};

// top = sum over the window's image pixels / window area within the padded image.
template <typename Dtype>
struct AvePoolForward {
  const Dtype* bottom;
  Dtype* top;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const TopWindow t = top_window(g, i);
    const Dtype* x = bottom + t.plane * g.height * g.width;
    Dtype sum = 0;
    for (int h = t.hs; h < t.he; ++h)
      for (int w = t.ws; w < t.we; ++w) sum += x[h * g.width + w];
    top[i] = sum / t.area;
  }
};

// bottom_diff = sum over the windows containing this element of top_diff / area.
template <typename Dtype>
struct AvePoolBackward {
  const Dtype* top_diff;
  Dtype* bottom_diff;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const BottomCover b = bottom_cover(g, i);
    const int64_t offset = b.plane * g.pooled_h * g.pooled_w;
    Dtype sum = 0;
    for (int ph = b.ph0; ph < b.ph1; ++ph) {
      for (int pw = b.pw0; pw < b.pw1; ++pw) {
        const int64_t t = offset + ph * g.pooled_w + pw;
        sum += top_diff[t] / top_window(g, t).area;
      }
    }
    bottom_diff[i] = sum;
  }
};

}  // namespace caffe
