#include "caffe/util/im2col.hpp"

#include <algorithm>
#include <cstring>

#include "caffe/common.hpp"
#include "caffe/util/parallel.hpp"

namespace caffe {

namespace {

// The output columns x whose input column x*stride + offset falls inside [0, width):
// [*begin, *end), possibly empty.
inline void valid_columns(int offset, int stride, int width, int out_w, int* begin, int* end) {
  // x*stride + offset >= 0  <=>  x >= ceil(-offset / stride)
  *begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  // x*stride + offset <= width - 1  <=>  x <= floor((width - 1 - offset) / stride)
  *end = width - 1 - offset < 0 ? 0 : std::min(out_w, (width - 1 - offset) / stride + 1);
  if (*begin > *end) *begin = *end;
}

}  // namespace

// The CPU loops walk the column buffer row by row (one kernel tap of one channel) and
// output row by output row: the valid stretch of each output row is one contiguous copy
// (stride 1) or a strided gather; only the borders are zero-filled. The geometry per row
// is computed once, with no per-element division. Channels run in parallel (each writes
// its own rows of the buffer).
template <typename Dtype>
void im2col_cpu(const Dtype* im, const ConvGeometry& g, Dtype* col) {
  const int64_t plane = static_cast<int64_t>(g.out_h) * g.out_w;
  const int taps = g.kernel_h * g.kernel_w;
  cpu_for(g.channels, [&](int64_t c) {
    const Dtype* im_c = im + c * g.height * g.width;
    Dtype* col_c = col + c * taps * plane;
    for (int ki = 0; ki < g.kernel_h; ++ki) {
      for (int kj = 0; kj < g.kernel_w; ++kj) {
        Dtype* dst_row = col_c + (ki * g.kernel_w + kj) * plane;
        const int w_off = kj * g.dilation_w - g.pad_w;  // input column of output column 0
        int x0, x1;
        valid_columns(w_off, g.stride_w, g.width, g.out_w, &x0, &x1);
        for (int y = 0; y < g.out_h; ++y) {
          Dtype* dst = dst_row + static_cast<int64_t>(y) * g.out_w;
          const int h = y * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (h < 0 || h >= g.height) {
            std::fill(dst, dst + g.out_w, Dtype(0));
            continue;
          }
          const Dtype* src = im_c + static_cast<int64_t>(h) * g.width + w_off;
          std::fill(dst, dst + x0, Dtype(0));
          if (g.stride_w == 1) {
            std::memcpy(dst + x0, src + x0, sizeof(Dtype) * (x1 - x0));
          } else {
            for (int x = x0; x < x1; ++x) dst[x] = src[x * g.stride_w];
          }
          std::fill(dst + x1, dst + g.out_w, Dtype(0));
        }
      }
    }
  }, taps * plane);
}

// The transpose: every column-buffer entry is added to the image element it was copied
// from. Parallel over channels (a channel's rows only touch its own image plane).
template <typename Dtype>
void col2im_cpu(const Dtype* col, const ConvGeometry& g, Dtype* im) {
  const int64_t plane = static_cast<int64_t>(g.out_h) * g.out_w;
  const int taps = g.kernel_h * g.kernel_w;
  cpu_for(g.channels, [&](int64_t c) {
    Dtype* im_c = im + c * g.height * g.width;
    const Dtype* col_c = col + c * taps * plane;
    std::fill(im_c, im_c + static_cast<int64_t>(g.height) * g.width, Dtype(0));
    for (int ki = 0; ki < g.kernel_h; ++ki) {
      for (int kj = 0; kj < g.kernel_w; ++kj) {
        const Dtype* src_row = col_c + (ki * g.kernel_w + kj) * plane;
        const int w_off = kj * g.dilation_w - g.pad_w;
        int x0, x1;
        valid_columns(w_off, g.stride_w, g.width, g.out_w, &x0, &x1);
        for (int y = 0; y < g.out_h; ++y) {
          const int h = y * g.stride_h - g.pad_h + ki * g.dilation_h;
          if (h < 0 || h >= g.height) continue;
          const Dtype* src = src_row + static_cast<int64_t>(y) * g.out_w;
          Dtype* dst = im_c + static_cast<int64_t>(h) * g.width + w_off;
          if (g.stride_w == 1) {
            for (int x = x0; x < x1; ++x) dst[x] += src[x];
          } else {
            for (int x = x0; x < x1; ++x) dst[x * g.stride_w] += src[x];
          }
        }
      }
    }
  }, taps * plane);
}

#define INSTANTIATE_IM2COL(T)                                                  \
  template void im2col_cpu<T>(const T*, const ConvGeometry&, T*);              \
  template void col2im_cpu<T>(const T*, const ConvGeometry&, T*)
INSTANTIATE_IM2COL(float);
INSTANTIATE_IM2COL(double);

}  // namespace caffe
