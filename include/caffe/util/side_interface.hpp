// The interface every Side offers, checked at compile time. side.hpp includes this after
// declaring CpuSide and GpuSide, so every build -- the CPU-only one too -- fails to
// compile when the two differ in an operation, a parameter or a return type. A new
// operation goes into both structs and into the list below.
//
// Each line names an operation by the type of its address, with probe functors standing
// in for the functor parameters; a static_assert's message names the operation.
#pragma once

#include <cstdint>
#include <type_traits>

#include "caffe/kernels/segments.hpp"
#include "caffe/util/side.hpp"

namespace caffe {
namespace side_interface {

struct IndexFn {  // for_n: f(i)
  void operator()(int64_t) const {}
};
struct ItemFn {  // for_items: f(item, slot)
  void operator()(int, int) const {}
};
struct TermFn {  // reduce: term(i, segment)
  double operator()(int64_t, int64_t) const { return 0; }
};
struct FinishFn {  // reduce: finish(segment, result)
  void operator()(int64_t, double) const {}
};

#define CAFFE_SIDE_OFFERS(expr, type, what) \
  static_assert(std::is_same<decltype(expr), type>::value, "Side interface: " what)

// The operations that take a data type, for one data type T.
template <class S, typename T>
constexpr bool offers_for() {
  CAFFE_SIDE_OFFERS(&S::template data<T>, const T* (*)(const Blob<T>*), "data(const Blob*)");
  CAFFE_SIDE_OFFERS(&S::template diff<T>, const T* (*)(const Blob<T>*), "diff(const Blob*)");
  CAFFE_SIDE_OFFERS(&S::template mutable_data<T>, T* (*)(Blob<T>*), "mutable_data(Blob*)");
  CAFFE_SIDE_OFFERS(&S::template mutable_diff<T>, T* (*)(Blob<T>*), "mutable_diff(Blob*)");
  using Seg = const kernels::Segments&;
  CAFFE_SIDE_OFFERS((&S::template segment_sum<T, TermFn>), void (*)(Seg, TermFn, T*, T, bool),
                    "segment_sum(segments, term, out, scale, accumulate)");
  CAFFE_SIDE_OFFERS((&S::template segment_max<T, TermFn>), void (*)(Seg, TermFn, T*),
                    "segment_max(segments, term, out)");
  CAFFE_SIDE_OFFERS(&S::template copy<T>, void (*)(int, const T*, T*), "copy(n, x, y)");
  CAFFE_SIDE_OFFERS(&S::template set<T>, void (*)(int, T, T*), "set(n, a, y)");
  CAFFE_SIDE_OFFERS(&S::template scal<T>, void (*)(int, T, T*), "scal(n, a, y)");
  CAFFE_SIDE_OFFERS(&S::template scale<T>, void (*)(int, T, const T*, T*), "scale(n, a, x, y)");
  CAFFE_SIDE_OFFERS(&S::template axpy<T>, void (*)(int, T, const T*, T*), "axpy(n, a, x, y)");
  CAFFE_SIDE_OFFERS(&S::template gemm<T>,
                    void (*)(CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, T, const T*,
                             const T*, T, T*),
                    "gemm(ta, tb, m, n, k, alpha, a, b, beta, c)");
  CAFFE_SIDE_OFFERS(&S::template gemv<T>,
                    void (*)(CBLAS_TRANSPOSE, int, int, T, const T*, const T*, T, T*),
                    "gemv(ta, m, n, alpha, a, x, beta, y)");
  CAFFE_SIDE_OFFERS(&S::template im2col<T>, void (*)(const T*, const ConvGeometry&, T*),
                    "im2col(image, geometry, columns)");
  CAFFE_SIDE_OFFERS(&S::template col2im<T>, void (*)(const T*, const ConvGeometry&, T*),
                    "col2im(columns, geometry, image)");
  return true;
}

template <class S>
constexpr bool offers() {
  CAFFE_SIDE_OFFERS(S::is_gpu, const bool, "is_gpu");
  CAFFE_SIDE_OFFERS(&S::mem, const void* (*)(SyncedMemory*), "mem(SyncedMemory*)");
  CAFFE_SIDE_OFFERS(&S::mutable_mem, void* (*)(SyncedMemory*), "mutable_mem(SyncedMemory*)");
  CAFFE_SIDE_OFFERS(&S::template for_n<IndexFn>, void (*)(int64_t, IndexFn, int64_t),
                    "for_n(n, f, work)");
  CAFFE_SIDE_OFFERS(&S::template for_items<ItemFn>, void (*)(int, int64_t, ItemFn),
                    "for_items(n, work, f)");
  CAFFE_SIDE_OFFERS(&S::slots, int (*)(), "slots()");
  CAFFE_SIDE_OFFERS((&S::template reduce<kernels::SumOp, TermFn, FinishFn>),
                    void (*)(const kernels::Segments&, TermFn, FinishFn),
                    "reduce<Op>(segments, term, finish)");
  CAFFE_SIDE_OFFERS(&S::template total<TermFn>, double (*)(int64_t, TermFn), "total(n, term)");
  CAFFE_SIDE_OFFERS(&S::rng_uint, void (*)(int, unsigned int*), "rng_uint(n, r)");
  return offers_for<S, float>() && offers_for<S, double>();
}

#undef CAFFE_SIDE_OFFERS

static_assert(offers<CpuSide>() && offers<GpuSide>(), "CpuSide and GpuSide differ");

}  // namespace side_interface
}  // namespace caffe
