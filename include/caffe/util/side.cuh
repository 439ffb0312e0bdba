// GpuSide: the device twin of CpuSide (side.hpp), for use in .cu files only.
#pragma once

#include "caffe/util/parallel.cuh"
#include "caffe/util/side.hpp"

namespace caffe {

// One block sums x[0, n) in double into *out (GpuSide::sum).
template <typename Dtype>
__global__ void side_sum_kernel(int n, const Dtype* x, double* out) {
  __shared__ double part[CAFFE_CUDA_NUM_THREADS];
  double s = 0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = part[0];
}

struct GpuSide {
  static constexpr bool is_gpu = true;
  template <typename Dtype> static const Dtype* data(const Blob<Dtype>* b) { return b->gpu_data(); }
  template <typename Dtype> static const Dtype* diff(const Blob<Dtype>* b) { return b->gpu_diff(); }
  template <typename Dtype> static Dtype* mutable_data(Blob<Dtype>* b) { return b->mutable_gpu_data(); }
  template <typename Dtype> static Dtype* mutable_diff(Blob<Dtype>* b) { return b->mutable_gpu_diff(); }
  static const void* mem(SyncedMemory* m) { return m->gpu_data(); }
  static void* mutable_mem(SyncedMemory* m) { return m->mutable_gpu_data(); }

  template <typename F> static void for_n(int64_t n, F f, int64_t /*work*/ = 1) { gpu_for(n, f); }
  // Items run one after another (each one's kernels fill the device), all with slot 0.
  template <typename F> static void for_items(int n, int64_t /*work*/, F f) {
    for (int i = 0; i < n; ++i) f(i, 0);
  }
  static int slots() { return 1; }

  template <typename Dtype> static void copy(int n, const Dtype* x, Dtype* y) {
    if (x != y) caffe_gpu_copy(n, x, y);
  }
  template <typename Dtype> static void set(int n, Dtype a, Dtype* y) { caffe_gpu_set(n, a, y); }
  template <typename Dtype> static void scal(int n, Dtype a, Dtype* y) { caffe_gpu_scal(n, a, y); }
  template <typename Dtype> static void scale(int n, Dtype a, const Dtype* x, Dtype* y) {
    caffe_gpu_scale(n, a, x, y);
  }
  template <typename Dtype> static void axpy(int n, Dtype a, const Dtype* x, Dtype* y) {
    caffe_gpu_axpy(n, a, x, y);
  }
  template <typename Dtype> static Dtype dot(int n, const Dtype* x, const Dtype* y) {
    Dtype out = 0;
    caffe_gpu_dot(n, x, y, &out);
    return out;
  }
  template <typename Dtype> static Dtype asum(int n, const Dtype* x) {
    Dtype out = 0;
    caffe_gpu_asum(n, x, &out);
    return out;
  }
  // The plain (signed) sum of x, accumulated in double.
  template <typename Dtype> static double sum(int n, const Dtype* x) {
    if (n <= 0) return 0;
    SyncedMemory out(sizeof(double));
    side_sum_kernel<<<1, CAFFE_CUDA_NUM_THREADS>>>(n, x, static_cast<double*>(out.mutable_gpu_data()));
    CUDA_POST_KERNEL_CHECK;
    return *static_cast<const double*>(out.cpu_data());
  }
  template <typename Dtype>
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, Dtype alpha,
                   const Dtype* a, const Dtype* b, Dtype beta, Dtype* c) {
    caffe_gpu_gemm<Dtype>(ta, tb, m, n, k, alpha, a, b, beta, c);
  }
  template <typename Dtype>
  static void gemv(CBLAS_TRANSPOSE ta, int m, int n, Dtype alpha, const Dtype* a, const Dtype* x,
                   Dtype beta, Dtype* y) {
    caffe_gpu_gemv<Dtype>(ta, m, n, alpha, a, x, beta, y);
  }
  template <typename Dtype>
  static void im2col(const Dtype* im, const ConvGeometry& g, Dtype* col) { im2col_gpu(im, g, col); }
  template <typename Dtype>
  static void col2im(const Dtype* col, const ConvGeometry& g, Dtype* im) { col2im_gpu(col, g, im); }
  // n uniformly distributed 32-bit integers from cuRAND.
  static void rng_uint(int n, unsigned int* r) { caffe_gpu_rng_uniform(n, r); }
};

// Explicitly instantiates a layer's Forward_gpu and Backward_gpu for float and double.
#define INSTANTIATE_LAYER_GPU_FUNCS(classname)                                              \
  template void classname<float>::Forward_gpu(const vector<Blob<float>*>&,                 \
                                              const vector<Blob<float>*>&);                \
  template void classname<double>::Forward_gpu(const vector<Blob<double>*>&,               \
                                               const vector<Blob<double>*>&);              \
  template void classname<float>::Backward_gpu(                                            \
      const vector<Blob<float>*>&, const vector<bool>&, const vector<Blob<float>*>&);      \
  template void classname<double>::Backward_gpu(                                           \
      const vector<Blob<double>*>&, const vector<bool>&, const vector<Blob<double>*>&)

// For a layer whose passes are the member templates ForwardOn<Side> / BackwardOn<Side>:
// defines Forward_gpu and Backward_gpu as those passes on GpuSide and instantiates them.
#define DEFINE_LAYER_GPU_PASSES(classname)                                                 \
  template <typename Dtype>                                                                \
  void classname<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,                   \
                                     const vector<Blob<Dtype>*>& top) {                    \
    this->template ForwardOn<GpuSide>(bottom, top);                                        \
  }                                                                                        \
  template <typename Dtype>                                                                \
  void classname<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,                     \
                                      const vector<bool>& propagate_down,                  \
                                      const vector<Blob<Dtype>*>& bottom) {                \
    this->template BackwardOn<GpuSide>(top, propagate_down, bottom);                       \
  }                                                                                        \
  INSTANTIATE_LAYER_GPU_FUNCS(classname)

}  // namespace caffe
