// Per-element math of Eltwise over `num` bottoms x[0..num) (an array of pointers):
// product, weighted sum, or maximum (recording which bottom won, as BVLC: a tie
// between bottoms 0 and 1 goes to 1, later ties keep the earlier bottom).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

enum EltwiseKind { kEltwiseProd = 0, kEltwiseSum = 1, kEltwiseMax = 2 };

template <typename Dtype>
struct EltwiseForwardAt {
  const Dtype* const* x;
  int num;
  int kind;
  const Dtype* coeff;  // SUM only
  Dtype* y;
  Dtype* arg;          // MAX only: index of the winning bottom
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype v = kind == kEltwiseSum ? coeff[0] * x[0][i] : x[0][i];
    int best = 0;
    for (int k = 1; k < num; ++k) {
      const Dtype xi = x[k][i];
      if (kind == kEltwiseProd) {
        v *= xi;
      } else if (kind == kEltwiseSum) {
        v += coeff[k] * xi;
      } else if (k == 1 ? xi >= v : xi > v) {
        v = xi;
        best = k;
      }
    }
    y[i] = v;
    if (kind == kEltwiseMax) arg[i] = Dtype(best);
  }
};

// Gradient for bottom k. PROD divides y by x[k] unless `stable`, in which case it
// multiplies the other bottoms (exact even where x[k] is 0).
template <typename Dtype>
struct EltwiseBackwardAt {
  const Dtype* const* x;
  int num, k, kind;
  Dtype coeff_k;
  bool stable;
  const Dtype* y;
  const Dtype* dy;
  const Dtype* arg;
  Dtype* dx;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    if (kind == kEltwiseSum) {
      dx[i] = coeff_k * dy[i];
    } else if (kind == kEltwiseMax) {
      dx[i] = static_cast<int>(arg[i]) == k ? dy[i] : Dtype(0);
    } else if (stable) {
      Dtype others = 1;
      for (int j = 0; j < num; ++j)
        if (j != k) others *= x[j][i];
      dx[i] = dy[i] * others;
    } else {
      dx[i] = dy[i] * y[i] / x[k][i];
    }
  }
};

}  // namespace kernels
}  // namespace caffe
