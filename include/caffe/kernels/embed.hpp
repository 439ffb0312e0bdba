// Per-element math of Embed: item i of the input holds a row index of the weight
// (input_dim x num_output); its output row is that weight row (plus the bias).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

template <typename Dtype>
struct EmbedForward {  // one call per output value
  const Dtype* index;
  const Dtype* weight;
  const Dtype* bias;  // null: no bias
  Dtype* y;
  int64_t num_output;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t item = i / num_output, j = i % num_output;
    const int64_t row = static_cast<int64_t>(index[item]);
    y[i] = weight[row * num_output + j] + (bias ? bias[j] : Dtype(0));
  }
};

// The weight gradient, one call per output column j: each item adds its output gradient
// to the row it looked up (a column per call, so repeated rows never race).
template <typename Dtype>
struct EmbedWeightGrad {
  const Dtype* index;
  const Dtype* dy;
  Dtype* dweight;
  int64_t items, num_output;
  CAFFE_HOST_DEVICE void operator()(int64_t j) const {
    for (int64_t item = 0; item < items; ++item) {
      const int64_t row = static_cast<int64_t>(index[item]);
      dweight[row * num_output + j] += dy[item * num_output + j];
    }
  }
};

}  // namespace kernels
}  // namespace caffe
