// Index math of the layers that move values without arithmetic beyond sums: Tile and Crop.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

// Tile: the top repeats each block of `inner` values `tiles` times:
// top[(o * tiles + t) * inner + k] = bottom[o * inner + k].
template <typename Dtype>
struct TileForward {  // one call per top entry
  const Dtype* x;
  Dtype* y;
  int64_t tiles, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    y[i] = x[(i / (tiles * inner)) * inner + i % inner];
  }
};

template <typename Dtype>
struct TileBackward {  // one call per bottom entry: the sum over its copies
  const Dtype* dy;
  Dtype* dx;
  int64_t tiles, inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t o = i / inner, k = i % inner;
    Dtype sum = 0;
    for (int64_t t = 0; t < tiles; ++t) sum += dy[(o * tiles + t) * inner + k];
    dx[i] = sum;
  }
};

// Crop: entry i of the (smaller) top sits in the bottom at its own coordinates plus
// `offset` per axis. The geometry is passed by value, for at most kMaxCropAxes axes.
constexpr int kMaxCropAxes = 8;
struct CropGeometry {
  int num_axes;
  int64_t top_shape[kMaxCropAxes];
  int64_t bottom_stride[kMaxCropAxes];
  int64_t offset[kMaxCropAxes];
  CAFFE_HOST_DEVICE int64_t bottom_index(int64_t i) const {
    int64_t b = 0;
    for (int a = num_axes - 1; a >= 0; --a) {
      b += (i % top_shape[a] + offset[a]) * bottom_stride[a];
      i /= top_shape[a];
    }
    return b;
  }
};

template <typename Dtype>
struct CropCopy {  // one call per top entry
  const Dtype* src;
  Dtype* dst;
  CropGeometry g;
  bool to_top;  // true: bottom -> top (forward); false: top -> bottom (backward)
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t b = g.bottom_index(i);
    if (to_top) {
      dst[i] = src[b];
    } else {
      dst[b] = src[i];
    }
  }
};

}  // namespace kernels
}  // namespace caffe
