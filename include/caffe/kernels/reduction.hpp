// Per-row math of Reduction (the terms its segmented sum adds up) and ArgMax.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

// Reduction's operations (ReductionParameter::ReductionOp values): the term summed per
// value and its derivative. MEAN is SUM with a 1/dim coefficient.
template <typename Dtype>
struct ReductionTerm {
  int op;  // 1 SUM, 2 ASUM, 3 SUMSQ, 4 MEAN
  CAFFE_HOST_DEVICE Dtype value(Dtype x) const {
    return op == 2 ? (x < Dtype(0) ? -x : x) : (op == 3 ? x * x : x);
  }
  CAFFE_HOST_DEVICE Dtype derivative(Dtype x) const {
    if (op == 2) return x > Dtype(0) ? Dtype(1) : (x < Dtype(0) ? Dtype(-1) : Dtype(0));
    return op == 3 ? Dtype(2) * x : Dtype(1);
  }
};

template <typename Dtype>
struct ReductionValue {  // the forward's reduction term: op's value of x[i]
  const Dtype* x;
  ReductionTerm<Dtype> term;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const { return term.value(x[i]); }
};

template <typename Dtype>
struct ReductionBackward {  // one call per value
  const Dtype* x;
  const Dtype* dy;
  Dtype* dx;
  int64_t dim;
  Dtype coeff;
  ReductionTerm<Dtype> term;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    dx[i] = coeff * dy[i / dim] * term.derivative(x[i]);
  }
};

// ArgMax over `dim` values spaced `inner` apart: row r = (o, k) reads x[(o dim + j) inner + k].
// The top_k largest come in decreasing order (equal values: the larger index first).
// With `interleaved` (no axis given) row r writes its indices to y[r 2 top_k + j] and, with
// out_max_val, its values after them; otherwise entry j goes to y[(o top_k + j) inner + k],
// the value with out_max_val, else the index.
template <typename Dtype>
struct ArgMaxRow {
  const Dtype* x;
  Dtype* y;
  int64_t dim, inner, top_k;
  bool out_max_val, interleaved;
  CAFFE_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t o = r / inner, k = r % inner;
    Dtype prev_v = 0;
    int64_t prev_j = -1;
    for (int64_t n = 0; n < top_k; ++n) {
      Dtype best_v = 0;
      int64_t best_j = -1;
      for (int64_t j = 0; j < dim; ++j) {
        const Dtype v = x[(o * dim + j) * inner + k];
        const bool below_prev = prev_j < 0 || v < prev_v || (v == prev_v && j < prev_j);
        if (below_prev && (best_j < 0 || v > best_v || (v == best_v && j > best_j))) {
          best_v = v;
          best_j = j;
        }
      }
      prev_v = best_v;
      prev_j = best_j;
      if (interleaved) {
        const int64_t base = r * (out_max_val ? 2 : 1) * top_k;
        y[base + n] = Dtype(best_j);
        if (out_max_val) y[base + top_k + n] = best_v;
      } else {
        y[(o * top_k + n) * inner + k] = out_max_val ? best_v : Dtype(best_j);
      }
    }
  }
};

}  // namespace kernels
}  // namespace caffe
