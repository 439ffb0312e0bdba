// GpuSide's definitions (declared in side.hpp beside CpuSide), for .cu files only.
#pragma once

#include <algorithm>

#include "caffe/util/parallel.cuh"
#include "caffe/util/side.hpp"

namespace caffe {

// ---- The segmented reduction on the device -----------------------------------------
// A segment of at most kReduceShort values is reduced by one thread; a longer one by a
// block of kReduceThreads threads (a tree over warp shuffles and shared memory), or, when
// there are too few segments to fill the device, by several blocks that each reduce a
// piece into the workspace (Caffe::reduction_workspace) before one thread per segment
// combines the pieces in order. The order of additions depends on the sizes only.
constexpr int kReduceThreads = 256;
constexpr int64_t kReduceShort = 32;
constexpr int64_t kReduceBlocksWanted = 1024;  // enough blocks to keep a large device busy

// Op-combines v over the block; the result is valid in thread 0.
template <class Op>
__device__ double block_reduce(double v) {
  __shared__ double warp_part[kReduceThreads / 32];
  for (int off = 16; off > 0; off /= 2) v = Op::combine(v, __shfl_down_sync(0xffffffffu, v, off));
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();  // the previous round's readers are done with warp_part
  if (lane == 0) warp_part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < kReduceThreads / 32 ? warp_part[lane] : Op::identity();
    for (int off = 16; off > 0; off /= 2) v = Op::combine(v, __shfl_down_sync(0xffffffffu, v, off));
  }
  return v;
}

// Block b reduces piece b % pieces of segment b / pieces: into part[b] when there are
// several pieces, else straight into finish.
template <class Op, class Term, class Finish>
__global__ void reduce_pieces_kernel(kernels::Segments g, Term term, Finish finish, int64_t pieces,
                                     int64_t piece_length, double* part) {
  for (int64_t b = blockIdx.x; b < g.count * pieces; b += gridDim.x) {
    const int64_t s = b / pieces, j0 = (b % pieces) * piece_length;
    const int64_t j1 = j0 + piece_length < g.length ? j0 + piece_length : g.length;
    double acc = Op::identity();
    kernels::SegmentCursor c(g, s, j0 + threadIdx.x, kReduceThreads);
    for (int64_t j = j0 + threadIdx.x; j < j1; j += kReduceThreads, c.advance())
      acc = Op::combine(acc, static_cast<double>(term(c.index(), s)));
    acc = block_reduce<Op>(acc);
    if (threadIdx.x == 0) {
      if (pieces > 1) {
        part[b] = acc;
      } else {
        finish(s, acc);
      }
    }
  }
}

// One thread per segment: combines its pieces in order (pieces > 1), or reduces the
// whole (short) segment itself (part == nullptr).
template <class Op, class Term, class Finish>
struct ReduceSegmentAt {
  kernels::Segments g;
  Term term;
  Finish finish;
  int64_t pieces;
  const double* part;
  __device__ void operator()(int64_t s) const {
    if (!part) {
      finish(s, kernels::reduce_range<Op>(g, term, s, 0, g.length));
      return;
    }
    double acc = Op::identity();
    for (int64_t p = 0; p < pieces; ++p) acc = Op::combine(acc, part[s * pieces + p]);
    finish(s, acc);
  }
};

// How a reduction of g is cut: pieces per segment and values per piece.
struct ReducePlan {
  int64_t pieces = 1, piece_length = 0;
  explicit ReducePlan(const kernels::Segments& g) {
    piece_length = g.length;
    if (g.length <= kReduceShort || g.count >= kReduceBlocksWanted) return;
    const int64_t by_length = (g.length + 8 * kReduceThreads - 1) / (8 * kReduceThreads);
    const int64_t by_blocks = (kReduceBlocksWanted + g.count - 1) / g.count;
    pieces = std::max<int64_t>(1, std::min(by_length, by_blocks));
    piece_length = (g.length + pieces - 1) / pieces;
  }
  int64_t workspace() const { return pieces > 1 ? pieces : 0; }  // doubles per segment
};

template <class Op, class Term, class Finish>
void gpu_reduce(const kernels::Segments& g, const Term& term, const Finish& finish,
                const ReducePlan& plan, double* part) {
  if (g.count <= 0) return;
  if (g.length <= kReduceShort) {
    gpu_for(g.count, ReduceSegmentAt<Op, Term, Finish>{g, term, finish, 1, nullptr});
    return;
  }
  const int64_t blocks = std::min<int64_t>(g.count * plan.pieces, 65535 * 32);
  reduce_pieces_kernel<Op><<<static_cast<int>(blocks), kReduceThreads>>>(
      g, term, finish, plan.pieces, plan.piece_length, part);
  CUDA_POST_KERNEL_CHECK;
  if (plan.pieces > 1)
    gpu_for(g.count, ReduceSegmentAt<Op, Term, Finish>{g, term, finish, plan.pieces, part});
}

// ---- GpuSide --------------------------------------------------------------------------

template <typename Dtype> const Dtype* GpuSide::data(const Blob<Dtype>* b) { return b->gpu_data(); }
template <typename Dtype> const Dtype* GpuSide::diff(const Blob<Dtype>* b) { return b->gpu_diff(); }
template <typename Dtype> Dtype* GpuSide::mutable_data(Blob<Dtype>* b) { return b->mutable_gpu_data(); }
template <typename Dtype> Dtype* GpuSide::mutable_diff(Blob<Dtype>* b) { return b->mutable_gpu_diff(); }
inline const void* GpuSide::mem(SyncedMemory* m) { return m->gpu_data(); }
inline void* GpuSide::mutable_mem(SyncedMemory* m) { return m->mutable_gpu_data(); }

template <typename F> void GpuSide::for_n(int64_t n, F f, int64_t) { gpu_for(n, f); }
template <typename F> void GpuSide::for_items(int n, int64_t, F f) {
  for (int i = 0; i < n; ++i) f(i, 0);
}
inline int GpuSide::slots() { return 1; }

template <class Op, class Term, class Finish>
void GpuSide::reduce(const kernels::Segments& g, Term term, Finish finish) {
  const ReducePlan plan(g);
  double* part = plan.workspace() ? Caffe::reduction_workspace(g.count * plan.workspace()) : nullptr;
  gpu_reduce<Op>(g, term, finish, plan, part);
}
template <typename Dtype, class Term>
void GpuSide::segment_sum(const kernels::Segments& g, Term term, Dtype* out, Dtype scale,
                          bool accumulate) {
  reduce<kernels::SumOp>(g, term, kernels::StoreScaled<Dtype>{out, scale, accumulate});
}
template <typename Dtype, class Term>
void GpuSide::segment_max(const kernels::Segments& g, Term term, Dtype* out) {
  reduce<kernels::MaxOp>(g, term, kernels::StoreScaled<Dtype>{out, Dtype(1), false});
}
template <class Term> double GpuSide::total(int64_t n, Term term) {
  if (n <= 0) return 0;
  const kernels::Segments g = kernels::Segments::rows(1, n);
  const ReducePlan plan(g);
  // The result goes to the workspace's first double, the pieces after it.
  double* ws = Caffe::reduction_workspace(1 + plan.workspace());
  gpu_reduce<kernels::SumOp>(g, term, kernels::StoreDouble{ws}, plan, ws + 1);
  double result = 0;
  CUDA_CHECK(cudaMemcpy(&result, ws, sizeof(double), cudaMemcpyDeviceToHost));
  return result;
}

template <typename Dtype> void GpuSide::copy(int n, const Dtype* x, Dtype* y) {
  if (x != y) caffe_gpu_copy(n, x, y);
}
template <typename Dtype> void GpuSide::set(int n, Dtype a, Dtype* y) { caffe_gpu_set(n, a, y); }
template <typename Dtype> void GpuSide::scal(int n, Dtype a, Dtype* y) { caffe_gpu_scal(n, a, y); }
template <typename Dtype> void GpuSide::scale(int n, Dtype a, const Dtype* x, Dtype* y) {
  caffe_gpu_scale(n, a, x, y);
}
template <typename Dtype> void GpuSide::axpy(int n, Dtype a, const Dtype* x, Dtype* y) {
  caffe_gpu_axpy(n, a, x, y);
}
template <typename Dtype>
void GpuSide::gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, Dtype alpha,
                   const Dtype* a, const Dtype* b, Dtype beta, Dtype* c) {
  caffe_gpu_gemm<Dtype>(ta, tb, m, n, k, alpha, a, b, beta, c);
}
template <typename Dtype>
void GpuSide::gemv(CBLAS_TRANSPOSE ta, int m, int n, Dtype alpha, const Dtype* a, const Dtype* x,
                   Dtype beta, Dtype* y) {
  caffe_gpu_gemv<Dtype>(ta, m, n, alpha, a, x, beta, y);
}
template <typename Dtype> void GpuSide::im2col(const Dtype* im, const ConvGeometry& g, Dtype* col) {
  gpu_for(col_count(g), Im2colOp<Dtype>{im, col, g});
}
template <typename Dtype> void GpuSide::col2im(const Dtype* col, const ConvGeometry& g, Dtype* im) {
  gpu_for(image_count(g), Col2imOp<Dtype>{col, im, g});
}
inline void GpuSide::rng_uint(int n, unsigned int* r) { caffe_gpu_rng_uniform(n, r); }

// ---- GPU passes (see "Passes on sides" in side.hpp) -----------------------------------

// Instantiates Class<float>::Name_gpu and Class<double>::Name_gpu.
#define INSTANTIATE_GPU_PASS(Class, Name, PARAMS)                                            \
  template void Class<float>::Name##_gpu PARAMS(float);                                      \
  template void Class<double>::Name##_gpu PARAMS(double)

// Defines Class<Dtype>::Name_gpu as NameOn<GpuSide> and instantiates it.
#define DEFINE_GPU_PASS(Class, Name, PARAMS, Args)                                           \
  template <typename Dtype>                                                                  \
  void Class<Dtype>::Name##_gpu PARAMS(Dtype) {                                              \
    this->template Name##On<GpuSide> Args;                                                   \
  }                                                                                          \
  INSTANTIATE_GPU_PASS(Class, Name, PARAMS)

#define INSTANTIATE_LAYER_GPU_PASSES(Class)                                                  \
  INSTANTIATE_GPU_PASS(Class, Forward, CAFFE_FORWARD_PARAMS);                                \
  INSTANTIATE_GPU_PASS(Class, Backward, CAFFE_BACKWARD_PARAMS)

#define DEFINE_LAYER_GPU_PASSES(Class)                                                       \
  DEFINE_GPU_PASS(Class, Forward, CAFFE_FORWARD_PARAMS, (bottom, top));                      \
  DEFINE_GPU_PASS(Class, Backward, CAFFE_BACKWARD_PARAMS, (top, propagate_down, bottom))

#define DEFINE_SOLVER_GPU_UPDATE(Class)                                                      \
  DEFINE_GPU_PASS(Class, Update, CAFFE_UPDATE_PARAMS, (param_id, rate))

}  // namespace caffe
