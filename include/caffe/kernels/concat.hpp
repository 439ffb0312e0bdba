// Per-element index math of Concat: element i of a bottom with `bottom_axis` entries
// on the joined axis lands in the top, whose joined axis has `top_axis` entries, at
// entry `offset` of that axis onward. `inner` is the count of the axes after it.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

template <typename Dtype>
struct ConcatCopy {
  const Dtype* src;
  Dtype* dst;
  int64_t bottom_axis, top_axis, offset, inner;
  bool to_top;  // true: bottom -> top (forward); false: top -> bottom (backward)
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t block = bottom_axis * inner;
    const int64_t t = (i / block) * top_axis * inner + offset * inner + i % block;
    if (to_top) {
      dst[t] = src[i];
    } else {
      dst[i] = src[t];
    }
  }
};

}  // namespace kernels
}  // namespace caffe
