// Host and device "sides". A layer whose forward or backward is the same sequence of
// steps on either side writes those steps once, as a member template over Side, and
// calls it with CpuSide from its .cpp and with GpuSide from its .cu. A Side hands out the
// blob pointers of its memory and runs per-element functors, segmented reductions and
// the few vector operations layers need on that memory.
//
// CpuSide is defined here. GpuSide is declared here too, so that every build -- the
// CPU-only one included -- checks both against the one interface in side_interface.hpp;
// its definitions are in side.cuh, which only .cu files include.
#pragma once

#include <cstdint>

#include "caffe/blob.hpp"
#include "caffe/kernels/segments.hpp"
#include "caffe/syncedmem.hpp"
#include "caffe/util/im2col.hpp"
#include "caffe/util/math_functions.hpp"
#include "caffe/util/parallel.hpp"

namespace caffe {

struct CpuSide {
  static constexpr bool is_gpu = false;
  template <typename Dtype> static const Dtype* data(const Blob<Dtype>* b) { return b->cpu_data(); }
  template <typename Dtype> static const Dtype* diff(const Blob<Dtype>* b) { return b->cpu_diff(); }
  template <typename Dtype> static Dtype* mutable_data(Blob<Dtype>* b) { return b->mutable_cpu_data(); }
  template <typename Dtype> static Dtype* mutable_diff(Blob<Dtype>* b) { return b->mutable_cpu_diff(); }
  static const void* mem(SyncedMemory* m) { return m->cpu_data(); }
  static void* mutable_mem(SyncedMemory* m) { return m->mutable_cpu_data(); }

  // f(i) for i in [0, n); work: the operations of one call (decides whether to use threads).
  template <typename F> static void for_n(int64_t n, F f, int64_t work = 1) { cpu_for(n, f, work); }
  // f(i, slot) for i in [0, n), i being a coarse item (an image) of about `work`
  // operations; items run in parallel, slot < slots() names the thread (see parallel.hpp).
  template <typename F> static void for_items(int n, int64_t work, F f) {
    cpu_for_items(n, f, work);
  }
  static int slots() { return cpu_slots(); }

  // Segmented reduction (kernels/segments.hpp): finish(s, r) for every segment s of g, r
  // being the Op-reduction (SumOp, MaxOp) in double of term(i, s) over the segment's
  // values. Parallel by total work (parallel.hpp, cpu_reduce).
  template <class Op, class Term, class Finish>
  static void reduce(const kernels::Segments& g, Term term, Finish finish) {
    cpu_reduce<Op>(g, term, finish);
  }
  // out[s] = scale * (sum of the terms of segment s), plus out[s] when accumulating.
  template <typename Dtype, class Term>
  static void segment_sum(const kernels::Segments& g, Term term, Dtype* out, Dtype scale = 1,
                          bool accumulate = false) {
    reduce<kernels::SumOp>(g, term, kernels::StoreScaled<Dtype>{out, scale, accumulate});
  }
  // out[s] = the largest term of segment s.
  template <typename Dtype, class Term>
  static void segment_max(const kernels::Segments& g, Term term, Dtype* out) {
    reduce<kernels::MaxOp>(g, term, kernels::StoreScaled<Dtype>{out, Dtype(1), false});
  }
  // The sum of term(i, 0) for i in [0, n), accumulated in double, on the host.
  template <class Term> static double total(int64_t n, Term term) {
    double result = 0;
    reduce<kernels::SumOp>(kernels::Segments::rows(1, n), term,
                           [&result](int64_t, double r) { result = r; });
    return result;
  }

  template <typename Dtype> static void copy(int n, const Dtype* x, Dtype* y) {
    if (x != y) caffe_copy(n, x, y);
  }
  template <typename Dtype> static void set(int n, Dtype a, Dtype* y) { caffe_set(n, a, y); }
  template <typename Dtype> static void scal(int n, Dtype a, Dtype* y) { caffe_scal(n, a, y); }
  template <typename Dtype> static void scale(int n, Dtype a, const Dtype* x, Dtype* y) {
    caffe_cpu_scale(n, a, x, y);
  }
  template <typename Dtype> static void axpy(int n, Dtype a, const Dtype* x, Dtype* y) {
    caffe_axpy(n, a, x, y);
  }
  template <typename Dtype>
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, Dtype alpha,
                   const Dtype* a, const Dtype* b, Dtype beta, Dtype* c) {
    caffe_cpu_gemm<Dtype>(ta, tb, m, n, k, alpha, a, b, beta, c);
  }
  template <typename Dtype>
  static void gemv(CBLAS_TRANSPOSE ta, int m, int n, Dtype alpha, const Dtype* a, const Dtype* x,
                   Dtype beta, Dtype* y) {
    caffe_cpu_gemv<Dtype>(ta, m, n, alpha, a, x, beta, y);
  }
  template <typename Dtype>
  static void im2col(const Dtype* im, const ConvGeometry& g, Dtype* col) { im2col_cpu(im, g, col); }
  template <typename Dtype>
  static void col2im(const Dtype* col, const ConvGeometry& g, Dtype* im) { col2im_cpu(col, g, im); }
  // n uniformly distributed 32-bit integers from Caffe::rng().
  static void rng_uint(int n, unsigned int* r) {
    for (int i = 0; i < n; ++i) r[i] = caffe_rng_rand();
  }
};

// The same operations on device memory, through CUDA kernels (for_n: a grid-stride
// kernel; reduce: block reductions), cuBLAS and cuRAND. Declared only: the definitions
// are in side.cuh.
struct GpuSide {
  static constexpr bool is_gpu = true;
  template <typename Dtype> static const Dtype* data(const Blob<Dtype>* b);
  template <typename Dtype> static const Dtype* diff(const Blob<Dtype>* b);
  template <typename Dtype> static Dtype* mutable_data(Blob<Dtype>* b);
  template <typename Dtype> static Dtype* mutable_diff(Blob<Dtype>* b);
  static const void* mem(SyncedMemory* m);
  static void* mutable_mem(SyncedMemory* m);

  template <typename F> static void for_n(int64_t n, F f, int64_t work = 1);
  // Items run one after another (each one's kernels fill the device), all with slot 0.
  template <typename F> static void for_items(int n, int64_t work, F f);
  static int slots();

  template <class Op, class Term, class Finish>
  static void reduce(const kernels::Segments& g, Term term, Finish finish);
  template <typename Dtype, class Term>
  static void segment_sum(const kernels::Segments& g, Term term, Dtype* out, Dtype scale = 1,
                          bool accumulate = false);
  template <typename Dtype, class Term>
  static void segment_max(const kernels::Segments& g, Term term, Dtype* out);
  template <class Term> static double total(int64_t n, Term term);

  template <typename Dtype> static void copy(int n, const Dtype* x, Dtype* y);
  template <typename Dtype> static void set(int n, Dtype a, Dtype* y);
  template <typename Dtype> static void scal(int n, Dtype a, Dtype* y);
  template <typename Dtype> static void scale(int n, Dtype a, const Dtype* x, Dtype* y);
  template <typename Dtype> static void axpy(int n, Dtype a, const Dtype* x, Dtype* y);
  template <typename Dtype>
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, Dtype alpha,
                   const Dtype* a, const Dtype* b, Dtype beta, Dtype* c);
  template <typename Dtype>
  static void gemv(CBLAS_TRANSPOSE ta, int m, int n, Dtype alpha, const Dtype* a, const Dtype* x,
                   Dtype beta, Dtype* y);
  template <typename Dtype> static void im2col(const Dtype* im, const ConvGeometry& g, Dtype* col);
  template <typename Dtype> static void col2im(const Dtype* col, const ConvGeometry& g, Dtype* im);
  // n uniformly distributed 32-bit integers from cuRAND.
  static void rng_uint(int n, unsigned int* r);
};

}  // namespace caffe

#include "caffe/util/side_interface.hpp"

// ---- Passes on sides ------------------------------------------------------------------
// A pass is work that runs on either side: a layer's Forward and Backward, a solver's
// Update of one parameter. A class writes it once, as the member template NameOn<Side>
// (its own or a base's), and puts CAFFE_PASS_ON_SIDES(Name, PARAMS, Args, Dtype) in its
// body: that defines the virtual Name_cpu as NameOn<CpuSide> and, in CUDA builds, declares
// Name_gpu. The class's .cu file defines Name_gpu as NameOn<GpuSide> and instantiates it
// for float and double with DEFINE_GPU_PASS (side.cuh). PARAMS is a macro giving the
// parameter list for a data type; Args is the argument list that forwards them.
//
// The shorthands below are what classes use: CAFFE_LAYER_PASSES_ON_SIDES(Dtype) in a
// layer, CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype) in a solver, and in their .cu files
// DEFINE_LAYER_GPU_PASSES(TheLayer) / DEFINE_SOLVER_GPU_UPDATE(TheSolver). A layer whose
// two sides need different code (SpatialTransformer) writes Forward_cpu / Backward_cpu
// itself, declares the GPU passes with CAFFE_DECLARE_GPU_PASSES(Dtype) and instantiates
// its own definitions with INSTANTIATE_LAYER_GPU_PASSES(TheLayer).

#define CAFFE_FORWARD_PARAMS(T) (const vector<Blob<T>*>& bottom, const vector<Blob<T>*>& top)
#define CAFFE_BACKWARD_PARAMS(T)                                                             \
  (const vector<Blob<T>*>& top, const vector<bool>& propagate_down,                          \
   const vector<Blob<T>*>& bottom)
#define CAFFE_UPDATE_PARAMS(T) (int param_id, T rate)

#ifdef USE_CUDA
#define CAFFE_DECLARE_GPU_PASS(Name, PARAMS, Dtype) void Name##_gpu PARAMS(Dtype) override;
#else
#define CAFFE_DECLARE_GPU_PASS(Name, PARAMS, Dtype)
#endif

#define CAFFE_PASS_ON_SIDES(Name, PARAMS, Args, Dtype)                                       \
  void Name##_cpu PARAMS(Dtype) override { this->template Name##On<CpuSide> Args; }          \
  CAFFE_DECLARE_GPU_PASS(Name, PARAMS, Dtype)

#define CAFFE_DECLARE_GPU_PASSES(Dtype)                                                      \
  CAFFE_DECLARE_GPU_PASS(Forward, CAFFE_FORWARD_PARAMS, Dtype)                               \
  CAFFE_DECLARE_GPU_PASS(Backward, CAFFE_BACKWARD_PARAMS, Dtype)

#define CAFFE_LAYER_PASSES_ON_SIDES(Dtype)                                                   \
  CAFFE_PASS_ON_SIDES(Forward, CAFFE_FORWARD_PARAMS, (bottom, top), Dtype)                   \
  CAFFE_PASS_ON_SIDES(Backward, CAFFE_BACKWARD_PARAMS, (top, propagate_down, bottom), Dtype)

#define CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)                                                  \
  CAFFE_PASS_ON_SIDES(Update, CAFFE_UPDATE_PARAMS, (param_id, rate), Dtype)
