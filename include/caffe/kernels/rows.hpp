// Index math of the layers that pick whole rows (items along the first axis) of a blob:
// Filter and BatchReindex. A row is `inner` consecutive values. The row maps are small
// arrays built on the host and stored as Dtype (exact for any row index below 2^24).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

// y[r * inner + k] = x[map[r] * inner + k], or 0 where map[r] < 0: one call per entry of y.
// Filter's forward (map = the selected rows) and backward (map = each bottom row's top
// row, or -1), BatchReindex's forward (map = the permutation).
template <typename Dtype>
struct GatherRows {
  const Dtype* x;
  const Dtype* map;
  Dtype* y;
  int64_t inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t src = static_cast<int64_t>(map[i / inner]);
    y[i] = src < 0 ? Dtype(0) : x[src * inner + i % inner];
  }
};

// dx[r * inner + k] = sum over j in [start[r], start[r + 1]) of dy[rows[j] * inner + k]: one
// call per entry of dx, each summing the rows of dy that copied its row (BatchReindex's
// backward; start and rows are a compressed list of those top rows, per bottom row).
template <typename Dtype>
struct SumGatheredRows {
  const Dtype* dy;
  const Dtype* start;
  const Dtype* rows;
  Dtype* dx;
  int64_t inner;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t r = i / inner, k = i % inner;
    const int64_t j1 = static_cast<int64_t>(start[r + 1]);
    Dtype sum = 0;
    for (int64_t j = static_cast<int64_t>(start[r]); j < j1; ++j)
      sum += dy[static_cast<int64_t>(rows[j]) * inner + k];
    dx[i] = sum;
  }
};

}  // namespace kernels
}  // namespace caffe
