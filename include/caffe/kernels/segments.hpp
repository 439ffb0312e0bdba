// Segmented reductions, the one reduction primitive of the Sides (Side::reduce and its
// short forms segment_sum, segment_max and total in util/side.hpp): the values of an
// array are grouped into segments, each segment is reduced to one number, and a
// finishing functor stores it.
//
// A blob seen as outer x dim x inner (entry (o, c, k) at (o * dim + c) * inner + k) is
// grouped in one of two ways:
//   along(outer, dim, inner)   one segment per (o, k), holding the dim values along the
//                              middle axis (Softmax, Reduction, MVN, a loss per row);
//   across(outer, dim, inner)  one segment per c, holding its outer * inner values
//                              (per-channel statistics and gradients: BatchNorm, Scale).
// Segment s's value j is term(i, s), i being the value's index in the array, so a term
// can read several arrays or per-segment data (a mean) as well as the values themselves.
#pragma once

#include <math.h>

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

// Where the values of each segment lie. Segment s starts at
//   (s / seg_run) * seg_jump + (s % seg_run) * seg_step
// and its value j lies (j / run) * jump + (j % run) * step after that start.
struct Segments {
  int64_t count = 0;   // number of segments
  int64_t length = 0;  // values per segment
  int64_t seg_run = 1, seg_jump = 0, seg_step = 0;
  int64_t run = 1, jump = 0, step = 0;

  CAFFE_HOST_DEVICE int64_t start(int64_t s) const {
    return (s / seg_run) * seg_jump + (s % seg_run) * seg_step;
  }

  static Segments along(int64_t outer, int64_t dim, int64_t inner) {
    Segments g;
    g.count = outer * inner;
    g.length = dim;
    g.seg_run = inner > 0 ? inner : 1;
    g.seg_jump = dim * inner;
    g.seg_step = 1;
    g.run = dim > 0 ? dim : 1;
    g.jump = 0;
    g.step = inner;
    return g;
  }
  static Segments across(int64_t outer, int64_t dim, int64_t inner) {
    Segments g;
    g.count = dim;
    g.length = outer * inner;
    g.seg_run = dim > 0 ? dim : 1;
    g.seg_jump = 0;
    g.seg_step = inner;
    g.run = inner > 0 ? inner : 1;
    g.jump = dim * inner;
    g.step = 1;
    return g;
  }
  // `count` consecutive rows of `length` values: along(count, length, 1).
  static Segments rows(int64_t count, int64_t length) { return along(count, length, 1); }
};

// Walks the values of segment s from value j on, `stride` values per advance(),
// keeping the position as (row, place in row) so that no step divides.
struct SegmentCursor {
  int64_t base, r, q, dr, dq, run, jump, step;
  CAFFE_HOST_DEVICE SegmentCursor(const Segments& g, int64_t s, int64_t j, int64_t stride)
      : base(g.start(s)), r(j / g.run), q(j % g.run), dr(stride / g.run), dq(stride % g.run),
        run(g.run), jump(g.jump), step(g.step) {}
  CAFFE_HOST_DEVICE int64_t index() const { return base + r * jump + q * step; }
  CAFFE_HOST_DEVICE void advance() {
    r += dr;
    q += dq;
    if (q >= run) {
      q -= run;
      ++r;
    }
  }
};

// How values combine. Partial results are doubles whatever the data type.
struct SumOp {
  CAFFE_HOST_DEVICE static double identity() { return 0.0; }
  CAFFE_HOST_DEVICE static double combine(double a, double b) { return a + b; }
};
struct MaxOp {
  CAFFE_HOST_DEVICE static double identity() { return -HUGE_VAL; }
  CAFFE_HOST_DEVICE static double combine(double a, double b) { return a > b ? a : b; }
};

// Op-reduction of values [j0, j1) of segment s, one at a time in order.
template <class Op, class Term>
CAFFE_HOST_DEVICE double reduce_range(const Segments& g, const Term& term, int64_t s, int64_t j0,
                                      int64_t j1) {
  double acc = Op::identity();
  SegmentCursor c(g, s, j0, 1);
  for (int64_t j = j0; j < j1; ++j, c.advance())
    acc = Op::combine(acc, static_cast<double>(term(c.index(), s)));
  return acc;
}

// Finishing functors: called once per segment with its reduced value.
template <typename Dtype>
struct StoreScaled {  // out[s] = scale * r (+ out[s] when accumulating)
  Dtype* out;
  Dtype scale;
  bool accumulate;
  CAFFE_HOST_DEVICE void operator()(int64_t s, double r) const {
    const Dtype v = static_cast<Dtype>(static_cast<double>(scale) * r);
    out[s] = accumulate ? out[s] + v : v;
  }
};
struct StoreDouble {  // out[s] = r
  double* out;
  CAFFE_HOST_DEVICE void operator()(int64_t s, double r) const { out[s] = r; }
};

// Terms: the value that index i of segment s contributes.
template <typename Dtype>
struct Value {  // a[i]
  const Dtype* a;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const { return a[i]; }
};
template <typename Dtype>
struct Product {  // a[i] * b[i]
  const Dtype* a;
  const Dtype* b;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const { return a[i] * b[i]; }
};
template <typename Dtype>
struct CenteredSquare {  // (a[i] - m[s])^2
  const Dtype* a;
  const Dtype* m;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t s) const {
    const Dtype d = a[i] - m[s];
    return d * d;
  }
};

}  // namespace kernels
}  // namespace caffe
