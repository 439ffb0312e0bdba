// Per-element index math of im2col / col2im for 2-D convolution, shared by the CPU
// loops (util/im2col.cpp) and the CUDA kernels (GpuSide::im2col / col2im in util/side.cuh).
//
// The column buffer has (channels * kernel_h * kernel_w) rows and (out_h * out_w)
// columns: row (c, i, j), column (y, x) holds the image value at
// (c, y * stride_h - pad_h + i * dilation_h, x * stride_w - pad_w + j * dilation_w),
// or 0 where that falls in the padding.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {

struct ConvGeometry {
  int channels, height, width;
  int kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w;
  int out_h, out_w;
};

// Output extent of one spatial axis; <= 0 when the dilated kernel exceeds the padded input.
CAFFE_HOST_DEVICE int conv_out_size(int in, int kernel, int pad, int stride, int dilation) {
  return (in + 2 * pad - (dilation * (kernel - 1) + 1)) / stride + 1;
}

// Elements of the column buffer and of the image.
CAFFE_HOST_DEVICE int64_t col_count(const ConvGeometry& g) {
  return static_cast<int64_t>(g.channels) * g.kernel_h * g.kernel_w * g.out_h * g.out_w;
}
CAFFE_HOST_DEVICE int64_t image_count(const ConvGeometry& g) {
  return static_cast<int64_t>(g.channels) * g.height * g.width;
}

// One column-buffer element per call: i indexes the whole buffer.
template <typename Dtype>
struct Im2colOp {
  const Dtype* im;
  Dtype* col;
  ConvGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int x = static_cast<int>(i % g.out_w);
    int64_t r = i / g.out_w;
    const int y = static_cast<int>(r % g.out_h);
    r /= g.out_h;
    const int kj = static_cast<int>(r % g.kernel_w);
    r /= g.kernel_w;
    const int ki = static_cast<int>(r % g.kernel_h);
    const int64_t c = r / g.kernel_h;
    const int h = y * g.stride_h - g.pad_h + ki * g.dilation_h;
    const int w = x * g.stride_w - g.pad_w + kj * g.dilation_w;
    const bool inside = h >= 0 && h < g.height && w >= 0 && w < g.width;
    col[i] = inside ? im[(c * g.height + h) * g.width + w] : Dtype(0);
  }
};

// One image element per call: sums every column-buffer entry that im2col copied from
// it (a gather, so no two calls write the same place). Overwrites im.
template <typename Dtype>
struct Col2imOp {
  const Dtype* col;
  Dtype* im;
  ConvGeometry g;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int w = static_cast<int>(i % g.width);
    const int h = static_cast<int>((i / g.width) % g.height);
    const int64_t c = i / (static_cast<int64_t>(g.width) * g.height);
    Dtype sum = 0;
    for (int ki = 0; ki < g.kernel_h; ++ki) {
      const int hy = h + g.pad_h - ki * g.dilation_h;  // = y * stride_h when it was used
      if (hy < 0 || hy % g.stride_h != 0) continue;
      const int y = hy / g.stride_h;
      if (y >= g.out_h) continue;
      for (int kj = 0; kj < g.kernel_w; ++kj) {
        const int wx = w + g.pad_w - kj * g.dilation_w;
        if (wx < 0 || wx % g.stride_w != 0) continue;
        const int x = wx / g.stride_w;
        if (x >= g.out_w) continue;
        const int64_t row = (c * g.kernel_h + ki) * g.kernel_w + kj;
        sum += col[(row * g.out_h + y) * g.out_w + x];
      }
    }
    im[i] = sum;
  }
};

}  // namespace caffe
