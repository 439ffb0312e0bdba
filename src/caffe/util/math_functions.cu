#include <cmath>

#include "caffe/syncedmem.hpp"
#include "caffe/util/math_functions.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

namespace {
cublasOperation_t to_cublas(CBLAS_TRANSPOSE t) { return t == CblasNoTrans ? CUBLAS_OP_N : CUBLAS_OP_T; }
}  // namespace

// cuBLAS is column-major: computing C^T = op(B)^T op(A)^T gives the row-major C.
template <>
void caffe_gpu_gemm<float>(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                           float alpha, const float* A, const float* B, float beta, float* C) {
  int lda = (TransA == CblasNoTrans) ? K : M;
  int ldb = (TransB == CblasNoTrans) ? N : K;
  CUBLAS_CHECK(cublasSgemm(Caffe::cublas_handle(), to_cublas(TransB), to_cublas(TransA), N, M, K,
                           &alpha, B, ldb, A, lda, &beta, C, N));
}
template <>
void caffe_gpu_gemm<double>(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                            double alpha, const double* A, const double* B, double beta,
                            double* C) {
  int lda = (TransA == CblasNoTrans) ? K : M;
  int ldb = (TransB == CblasNoTrans) ? N : K;
  CUBLAS_CHECK(cublasDgemm(Caffe::cublas_handle(), to_cublas(TransB), to_cublas(TransA), N, M, K,
                           &alpha, B, ldb, A, lda, &beta, C, N));
}

// Row-major A (M x N) is column-major A^T, so the transpose flag flips.
template <>
void caffe_gpu_gemv<float>(CBLAS_TRANSPOSE TransA, int M, int N, float alpha, const float* A,
                           const float* x, float beta, float* y) {
  cublasOperation_t op = (TransA == CblasNoTrans) ? CUBLAS_OP_T : CUBLAS_OP_N;
  CUBLAS_CHECK(cublasSgemv(Caffe::cublas_handle(), op, N, M, &alpha, A, N, x, 1, &beta, y, 1));
}
template <>
void caffe_gpu_gemv<double>(CBLAS_TRANSPOSE TransA, int M, int N, double alpha, const double* A,
                            const double* x, double beta, double* y) {
  cublasOperation_t op = (TransA == CblasNoTrans) ? CUBLAS_OP_T : CUBLAS_OP_N;
  CUBLAS_CHECK(cublasDgemv(Caffe::cublas_handle(), op, N, M, &alpha, A, N, x, 1, &beta, y, 1));
}

template <>
void caffe_gpu_axpy<float>(int N, float alpha, const float* X, float* Y) {
  CUBLAS_CHECK(cublasSaxpy(Caffe::cublas_handle(), N, &alpha, X, 1, Y, 1));
}
template <>
void caffe_gpu_axpy<double>(int N, double alpha, const double* X, double* Y) {
  CUBLAS_CHECK(cublasDaxpy(Caffe::cublas_handle(), N, &alpha, X, 1, Y, 1));
}

template <>
void caffe_gpu_dot<float>(int n, const float* x, const float* y, float* out) {
  CUBLAS_CHECK(cublasSdot(Caffe::cublas_handle(), n, x, 1, y, 1, out));
}
template <>
void caffe_gpu_dot<double>(int n, const double* x, const double* y, double* out) {
  CUBLAS_CHECK(cublasDdot(Caffe::cublas_handle(), n, x, 1, y, 1, out));
}

template <>
void caffe_gpu_asum<float>(int n, const float* x, float* y) {
  CUBLAS_CHECK(cublasSasum(Caffe::cublas_handle(), n, x, 1, y));
}
template <>
void caffe_gpu_asum<double>(int n, const double* x, double* y) {
  CUBLAS_CHECK(cublasDasum(Caffe::cublas_handle(), n, x, 1, y));
}

void caffe_gpu_memcpy(size_t N, const void* X, void* Y) {
  if (X != Y) CUDA_CHECK(cudaMemcpy(Y, X, N, cudaMemcpyDefault));
}

template <typename Dtype>
void caffe_gpu_set(int N, Dtype alpha, Dtype* X) {
  if (alpha == 0) {
    CUDA_CHECK(cudaMemset(X, 0, sizeof(Dtype) * N));
    return;
  }
  gpu_for(N, [=] __device__(int64_t i) { X[i] = alpha; });
}
template <typename Dtype>
void caffe_gpu_scal(int N, Dtype alpha, Dtype* X) {
  gpu_for(N, [=] __device__(int64_t i) { X[i] *= alpha; });
}
template <typename Dtype>
void caffe_gpu_scale(int n, Dtype alpha, const Dtype* x, Dtype* y) {
  gpu_for(n, [=] __device__(int64_t i) { y[i] = alpha * x[i]; });
}

void caffe_gpu_rng_uniform(int n, unsigned int* r) {
  CURAND_CHECK(curandGenerate(Caffe::curand_generator(), r, n));
}
// cuRAND's normal generators produce values in pairs (Box-Muller) and refuse an odd
// count: an odd n draws n - 1 in place and the last value through a two-element buffer.
template <typename Dtype, typename Generate>
static void gpu_gaussian_any_count(int n, Dtype* r, Generate generate) {
  if (n <= 0) return;
  const int even = n - n % 2;
  if (even > 0) CURAND_CHECK(generate(r, even));
  if (even == n) return;
  SyncedMemory pair(2 * sizeof(Dtype));
  Dtype* tail = static_cast<Dtype*>(pair.mutable_gpu_data());
  CURAND_CHECK(generate(tail, 2));
  caffe_gpu_memcpy(sizeof(Dtype), tail, r + even);
}

template <>
void caffe_gpu_rng_gaussian<float>(int n, float mu, float sigma, float* r) {
  gpu_gaussian_any_count(n, r, [&](float* out, int count) {
    return curandGenerateNormal(Caffe::curand_generator(), out, count, mu, sigma);
  });
}
template <>
void caffe_gpu_rng_gaussian<double>(int n, double mu, double sigma, double* r) {
  gpu_gaussian_any_count(n, r, [&](double* out, int count) {
    return curandGenerateNormalDouble(Caffe::curand_generator(), out, count, mu, sigma);
  });
}

#define INSTANTIATE_GPU_MATH(Dtype)                                                \
  template void caffe_gpu_set<Dtype>(int, Dtype, Dtype*);                         \
  template void caffe_gpu_scal<Dtype>(int, Dtype, Dtype*);                        \
  template void caffe_gpu_scale<Dtype>(int, Dtype, const Dtype*, Dtype*);
INSTANTIATE_GPU_MATH(float)
INSTANTIATE_GPU_MATH(double)
template void caffe_gpu_set<int>(int, int, int*);
template void caffe_gpu_set<unsigned int>(int, unsigned int, unsigned int*);

}  // namespace caffe
