// BLAS-backed and element-wise array math on the host (caffe_cpu_* / caffe_*) and,
// in CUDA builds, on the device (caffe_gpu_*), with Caffe's names and argument orders.
#pragma once

#include <cblas.h>

#include <cstdint>

#include "caffe/common.hpp"

namespace caffe {

// C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is M x K, op(B) is K x N.
template <typename Dtype>
void caffe_cpu_gemm(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                    Dtype alpha, const Dtype* A, const Dtype* B, Dtype beta, Dtype* C);
// y = alpha * op(A) * x + beta * y, A is M x N row-major.
template <typename Dtype>
void caffe_cpu_gemv(CBLAS_TRANSPOSE TransA, int M, int N, Dtype alpha, const Dtype* A,
                    const Dtype* x, Dtype beta, Dtype* y);
template <typename Dtype>
void caffe_axpy(int N, Dtype alpha, const Dtype* X, Dtype* Y);
template <typename Dtype>
void caffe_copy(int N, const Dtype* X, Dtype* Y);
template <typename Dtype>
void caffe_set(int N, Dtype alpha, Dtype* X);
template <typename Dtype>
void caffe_scal(int N, Dtype alpha, Dtype* X);
template <typename Dtype>
void caffe_cpu_scale(int n, Dtype alpha, const Dtype* x, Dtype* y);
template <typename Dtype>
Dtype caffe_cpu_dot(int n, const Dtype* x, const Dtype* y);
template <typename Dtype>
Dtype caffe_cpu_asum(int n, const Dtype* x);

// Random numbers from the process generator (Caffe::rng()).
template <typename Dtype>
void caffe_rng_uniform(int n, Dtype a, Dtype b, Dtype* r);
template <typename Dtype>
void caffe_rng_gaussian(int n, Dtype mu, Dtype sigma, Dtype* r);
template <typename Dtype>
void caffe_rng_bernoulli(int n, Dtype p, int* r);
template <typename Dtype>
void caffe_rng_bernoulli(int n, Dtype p, unsigned int* r);
unsigned int caffe_rng_rand();

#ifdef USE_CUDA
template <typename Dtype>
void caffe_gpu_gemm(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                    Dtype alpha, const Dtype* A, const Dtype* B, Dtype beta, Dtype* C);
template <typename Dtype>
void caffe_gpu_gemv(CBLAS_TRANSPOSE TransA, int M, int N, Dtype alpha, const Dtype* A,
                    const Dtype* x, Dtype beta, Dtype* y);
template <typename Dtype>
void caffe_gpu_axpy(int N, Dtype alpha, const Dtype* X, Dtype* Y);
void caffe_gpu_memcpy(size_t N, const void* X, void* Y);
template <typename Dtype>
void caffe_gpu_copy(int N, const Dtype* X, Dtype* Y) { caffe_gpu_memcpy(sizeof(Dtype) * N, X, Y); }
template <typename Dtype>
void caffe_gpu_set(int N, Dtype alpha, Dtype* X);
template <typename Dtype>
void caffe_gpu_scal(int N, Dtype alpha, Dtype* X);
template <typename Dtype>
void caffe_gpu_scale(int n, Dtype alpha, const Dtype* x, Dtype* y);
template <typename Dtype>
void caffe_gpu_dot(int n, const Dtype* x, const Dtype* y, Dtype* out);
template <typename Dtype>
void caffe_gpu_asum(int n, const Dtype* x, Dtype* y);
void caffe_gpu_rng_uniform(int n, unsigned int* r);
// n normal values (any n, odd included) from the thread's cuRAND generator.
template <typename Dtype>
void caffe_gpu_rng_gaussian(int n, Dtype mu, Dtype sigma, Dtype* r);
#endif

}  // namespace caffe
