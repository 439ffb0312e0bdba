// The math of 2-D max, average and stochastic pooling, run by PoolingLayer's one pass on the CPU
// threads and as CUDA kernels. Blobs are N x C x H x W; every call handles one row,
// forward a top row and backward a bottom row (it gathers from the windows that cover
// the row, so no two calls write the same place).
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

// Bottom row r (plane * height + h) of a backward pass: its plane and row, its diff row
// (zeroed, to be accumulated into), and the top rows [ph0, ph1) whose windows cover it.
template <typename Dtype>
struct BottomRow {
  int64_t plane;
  int h, ph0, ph1;
  Dtype* dx;
  CAFFE_HOST_DEVICE BottomRow(const PoolGeometry& g, Dtype* bottom_diff, int64_t r) {
    plane = r / g.height;
    h = static_cast<int>(r - plane * g.height);
    dx = bottom_diff + r * g.width;
    for (int w = 0; w < g.width; ++w) dx[w] = 0;
    covering_windows(h, g.kernel_h, g.pad_h, g.stride_h, g.pooled_h, &ph0, &ph1);
  }
  // Offset of top row ph's first element in the top blob.
  CAFFE_HOST_DEVICE int64_t top_row(const PoolGeometry& g, int ph) const {
    return (plane * g.pooled_h + ph) * g.pooled_w;
  }
};

// Top row r (plane * pooled_h + ph): max over each window; mask = the winner's index
// h * W + w within its plane (the first one in row-major order on ties), or -1 (and top =
// 0) for a window with no pixel in the image. One call per output row: the row's window
// bounds are computed once. The 2x2 windows of stride 2 that lie wholly in the image (most
// nets' pooling) take a straight path of four comparisons, which visits the pixels in the
// same order and so picks the same winner.
template <typename Dtype>
struct MaxPoolForward {
  const Dtype* bottom;
  Dtype* top;
  Dtype* mask;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t plane = r / g.pooled_h;
    const int ph = static_cast<int>(r - plane * g.pooled_h);
    int hs, he;
    pool_window(ph, g.kernel_h, g.pad_h, g.stride_h, g.height, &hs, &he);
    const Dtype* x = bottom + plane * g.height * g.width;
    Dtype* y = top + r * g.pooled_w;
    Dtype* m = mask + r * g.pooled_w;
    int pw = 0;
    if (g.kernel_h == 2 && g.kernel_w == 2 && g.stride_w == 2 && g.pad_w == 0 && he - hs == 2) {
      const int inside = g.width / 2 < g.pooled_w ? g.width / 2 : g.pooled_w;
      const int row0 = hs * g.width;
      const Dtype* a = x + row0;
      const Dtype* b = a + g.width;
      for (; pw < inside; ++pw) {
        const int w = 2 * pw;
        int best = row0 + w;
        Dtype v = a[w];
        if (a[w + 1] > v) { v = a[w + 1]; best = row0 + w + 1; }
        if (b[w] > v) { v = b[w]; best = row0 + g.width + w; }
        if (b[w + 1] > v) { v = b[w + 1]; best = row0 + g.width + w + 1; }
        y[pw] = v;
        m[pw] = static_cast<Dtype>(best);
      }
    }
    for (; pw < g.pooled_w; ++pw) {
      int ws, we;
      pool_window(pw, g.kernel_w, g.pad_w, g.stride_w, g.width, &ws, &we);
      int best = -1;
      Dtype best_val = 0;
      if (ws < we && hs < he) {
        best = hs * g.width + ws;
        best_val = x[best];
      }
      for (int h = hs; h < he; ++h) {
        const Dtype* row = x + h * g.width;
        for (int w = ws; w < we; ++w) {
          if (row[w] > best_val) {
            best = h * g.width + w;
            best_val = row[w];
          }
        }
      }
      y[pw] = best_val;
      m[pw] = static_cast<Dtype>(best);
    }
  }
};

// Bottom row r (plane * height + h): each top element of the windows covering row h adds
// its diff to the element its mask names, when that element lies in this row. One call
// per bottom row, so no two calls write the same place and nothing searches the windows.
template <typename Dtype>
struct MaxPoolBackward {
  const Dtype* top_diff;
  const Dtype* mask;
  Dtype* bottom_diff;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const BottomRow<Dtype> b(g, bottom_diff, r);
    const int row_start = b.h * g.width;
    for (int ph = b.ph0; ph < b.ph1; ++ph) {
      const int64_t t0 = b.top_row(g, ph);
      for (int pw = 0; pw < g.pooled_w; ++pw) {
        const int off = static_cast<int>(mask[t0 + pw]) - row_start;
        if (off >= 0 && off < g.width) b.dx[off] += top_diff[t0 + pw];
      }
    }
  }
};

// Top row r: the sum over each window's image pixels / the window's area within the
// padded image.
template <typename Dtype>
struct AvePoolForward {
  const Dtype* bottom;
  Dtype* top;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t plane = r / g.pooled_h;
    const int ph = static_cast<int>(r - plane * g.pooled_h);
    int hs, he;
    const int len_h = pool_window(ph, g.kernel_h, g.pad_h, g.stride_h, g.height, &hs, &he);
    const Dtype* x = bottom + plane * g.height * g.width;
    Dtype* y = top + r * g.pooled_w;
    for (int pw = 0; pw < g.pooled_w; ++pw) {
      int ws, we;
      const int len_w = pool_window(pw, g.kernel_w, g.pad_w, g.stride_w, g.width, &ws, &we);
      Dtype sum = 0;
      for (int h = hs; h < he; ++h)
        for (int w = ws; w < we; ++w) sum += x[h * g.width + w];
      y[pw] = sum / (len_h * len_w);
    }
  }
};

// Bottom row r: every window covering row h adds top_diff / area to its pixels in the row.
template <typename Dtype>
struct AvePoolBackward {
  const Dtype* top_diff;
  Dtype* bottom_diff;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const BottomRow<Dtype> b(g, bottom_diff, r);
    Dtype* dx = b.dx;
    for (int ph = b.ph0; ph < b.ph1; ++ph) {
      int hs, he;
      const int len_h = pool_window(ph, g.kernel_h, g.pad_h, g.stride_h, g.height, &hs, &he);
      const int64_t t0 = b.top_row(g, ph);
      for (int pw = 0; pw < g.pooled_w; ++pw) {
        int ws, we;
        const int len_w = pool_window(pw, g.kernel_w, g.pad_w, g.stride_w, g.width, &ws, &we);
        const Dtype v = top_diff[t0 + pw] / (len_h * len_w);
        for (int w = ws; w < we; ++w) dx[w] += v;
      }
    }
  }
};

// Stochastic pooling (Zeiler and Fergus; BVLC's STOCHASTIC), for non-negative inputs. As
// in BVLC, its windows ignore padding (geometry passed with pad 0) and are clipped to the
// image. TRAIN: each window picks one of its pixels with probability proportional to its
// value (the first pixel whose running sum reaches u * the window's sum, u uniform in
// [0, 1) from the 32-bit draw), outputs it and records it in the mask (h * W + w, or -1
// with output 0 for an empty window); backward is MaxPoolBackward on that mask. TEST: the
// probability-weighted average sum(x^2) / sum(x), the sum starting at the float type's
// smallest normal value so that an all-zero window gives 0.
template <typename Dtype>
struct StoPoolForwardTrain {
  const Dtype* bottom;
  const unsigned int* draw;  // one per top element
  Dtype* top;
  Dtype* mask;
  PoolGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t plane = r / g.pooled_h;
    const int ph = static_cast<int>(r - plane * g.pooled_h);
    int hs, he;
    pool_window(ph, g.kernel_h, 0, g.stride_h, g.height, &hs, &he);
    const Dtype* x = bottom + plane * g.height * g.width;
    for (int pw = 0; pw < g.pooled_w; ++pw) {
      int ws, we;
      pool_window(pw, g.kernel_w, 0, g.stride_w, g.width, &ws, &we);
      Dtype sum = 0;
      for (int h = hs; h < he; ++h)
        for (int w = ws; w < we; ++w) sum += x[h * g.width + w];
      const Dtype u = static_cast<Dtype>(draw[r * g.pooled_w + pw] * (1.0 / 4294967296.0));
      const Dtype thres = u * sum;
      int pick = -1;  // the last pixel visited: the chosen one, or the last (rounding)
      bool found = false;
      Dtype run = 0;
      for (int h = hs; h < he && !found; ++h) {
        for (int w = ws; w < we; ++w) {
          run += x[h * g.width + w];
          pick = h * g.width + w;
          if (run >= thres) {
            found = true;
            break;
          }
        }
      }
      top[r * g.pooled_w + pw] = pick < 0 ? Dtype(0) : x[pick];
      mask[r * g.pooled_w + pw] = static_cast<Dtype>(pick);
    }
  }
};

template <typename Dtype>
struct StoPoolForwardTest {
  const Dtype* bottom;
  Dtype* top;
  PoolGeometry g;
  Dtype tiny;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t plane = r / g.pooled_h;
    const int ph = static_cast<int>(r - plane * g.pooled_h);
    int hs, he;
    pool_window(ph, g.kernel_h, 0, g.stride_h, g.height, &hs, &he);
    const Dtype* x = bottom + plane * g.height * g.width;
    for (int pw = 0; pw < g.pooled_w; ++pw) {
      int ws, we;
      pool_window(pw, g.kernel_w, 0, g.stride_w, g.width, &ws, &we);
      Dtype sum = tiny, sq = 0;
      for (int h = hs; h < he; ++h) {
        for (int w = ws; w < we; ++w) {
          const Dtype v = x[h * g.width + w];
          sum += v;
          sq += v * v;
        }
      }
      top[r * g.pooled_w + pw] = sq / sum;
    }
  }
};

// Bottom row r, TEST phase: the exact gradient of sum(x^2) / sum(x) for every window
// covering the row, d/dx_i = (2 x_i S - Q) / S^2 (BVLC has no TEST-phase backward).
template <typename Dtype>
struct StoPoolBackwardTest {
  const Dtype* top_diff;
  const Dtype* bottom;
  Dtype* bottom_diff;
  PoolGeometry g;
  Dtype tiny;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const BottomRow<Dtype> b(g, bottom_diff, r);
    const Dtype* x = bottom + b.plane * g.height * g.width;
    for (int ph = b.ph0; ph < b.ph1; ++ph) {
      int hs, he;
      pool_window(ph, g.kernel_h, 0, g.stride_h, g.height, &hs, &he);
      const int64_t t0 = b.top_row(g, ph);
      for (int pw = 0; pw < g.pooled_w; ++pw) {
        int ws, we;
        pool_window(pw, g.kernel_w, 0, g.stride_w, g.width, &ws, &we);
        Dtype sum = tiny, sq = 0;
        for (int h = hs; h < he; ++h) {
          for (int w = ws; w < we; ++w) {
            const Dtype v = x[h * g.width + w];
            sum += v;
            sq += v * v;
          }
        }
        const Dtype dy = top_diff[t0 + pw] / (sum * sum);
        for (int w = ws; w < we; ++w) {
          const Dtype v = x[b.h * g.width + w];
          b.dx[w] += dy * (Dtype(2) * v * sum - sq);
        }
      }
    }
  }
};

}  // namespace caffe
