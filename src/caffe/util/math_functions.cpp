#include "caffe/util/math_functions.hpp"

#include <cmath>
#include <cstring>
#include <random>

namespace caffe {

template <>
void caffe_cpu_gemm<float>(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                           float alpha, const float* A, const float* B, float beta, float* C) {
  int lda = (TransA == CblasNoTrans) ? K : M;
  int ldb = (TransB == CblasNoTrans) ? N : K;
  cblas_sgemm(CblasRowMajor, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
}
template <>
void caffe_cpu_gemm<double>(CBLAS_TRANSPOSE TransA, CBLAS_TRANSPOSE TransB, int M, int N, int K,
                            double alpha, const double* A, const double* B, double beta,
                            double* C) {
  int lda = (TransA == CblasNoTrans) ? K : M;
  int ldb = (TransB == CblasNoTrans) ? N : K;
  cblas_dgemm(CblasRowMajor, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
}

template <>
void caffe_cpu_gemv<float>(CBLAS_TRANSPOSE TransA, int M, int N, float alpha, const float* A,
                           const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, TransA, M, N, alpha, A, N, x, 1, beta, y, 1);
}
template <>
void caffe_cpu_gemv<double>(CBLAS_TRANSPOSE TransA, int M, int N, double alpha, const double* A,
                            const double* x, double beta, double* y) {
  cblas_dgemv(CblasRowMajor, TransA, M, N, alpha, A, N, x, 1, beta, y, 1);
}

template <>
void caffe_axpy<float>(int N, float alpha, const float* X, float* Y) {
  cblas_saxpy(N, alpha, X, 1, Y, 1);
}
template <>
void caffe_axpy<double>(int N, double alpha, const double* X, double* Y) {
  cblas_daxpy(N, alpha, X, 1, Y, 1);
}

template <typename Dtype>
void caffe_cpu_axpby(int N, Dtype alpha, const Dtype* X, Dtype beta, Dtype* Y) {
  for (int i = 0; i < N; ++i) Y[i] = alpha * X[i] + beta * Y[i];
}

template <typename Dtype>
void caffe_copy(int N, const Dtype* X, Dtype* Y) {
  if (X == Y || N == 0) return;
  if (Caffe::mode() == Caffe::GPU) {
#ifdef USE_CUDA
    // Either pointer may be host or device memory; cudaMemcpyDefault resolves it.
    CUDA_CHECK(cudaMemcpy(Y, X, sizeof(Dtype) * N, cudaMemcpyDefault));
    return;
#endif
  }
  std::memcpy(Y, X, sizeof(Dtype) * N);
}

template <typename Dtype>
void caffe_set(int N, Dtype alpha, Dtype* X) {
  if (alpha == 0) {
    std::memset(X, 0, sizeof(Dtype) * N);
    return;
  }
  for (int i = 0; i < N; ++i) X[i] = alpha;
}

template <typename Dtype>
void caffe_scal(int N, Dtype alpha, Dtype* X) {
  for (int i = 0; i < N; ++i) X[i] *= alpha;
}

template <typename Dtype>
void caffe_cpu_scale(int n, Dtype alpha, const Dtype* x, Dtype* y) {
  for (int i = 0; i < n; ++i) y[i] = alpha * x[i];
}

template <typename Dtype>
Dtype caffe_cpu_dot(int n, const Dtype* x, const Dtype* y) {
  if constexpr (std::is_same<Dtype, float>::value) {
    return cblas_sdot(n, x, 1, y, 1);
  } else {
    return cblas_ddot(n, x, 1, y, 1);
  }
}

template <typename Dtype>
Dtype caffe_cpu_asum(int n, const Dtype* x) {
  if constexpr (std::is_same<Dtype, float>::value) {
    return cblas_sasum(n, x, 1);
  } else {
    return cblas_dasum(n, x, 1);
  }
}

template <typename Dtype>
void caffe_rng_uniform(int n, Dtype a, Dtype b, Dtype* r) {
  CAFFE_ENFORCE(a <= b, "uniform random numbers need min <= max, got [", a, ", ", b, "]");
  std::uniform_real_distribution<Dtype> dist(a, b);
  for (int i = 0; i < n; ++i) r[i] = dist(Caffe::rng());
}

template <typename Dtype>
void caffe_rng_gaussian(int n, Dtype mu, Dtype sigma, Dtype* r) {
  CAFFE_ENFORCE(sigma > 0, "gaussian random numbers need std > 0, got ", sigma);
  std::normal_distribution<Dtype> dist(mu, sigma);
  for (int i = 0; i < n; ++i) r[i] = dist(Caffe::rng());
}

template <typename Dtype>
void caffe_rng_bernoulli(int n, Dtype p, int* r) {
  CAFFE_ENFORCE(p >= 0 && p <= 1, "bernoulli probability must be in [0, 1], got ", p);
  std::bernoulli_distribution dist(p);
  for (int i = 0; i < n; ++i) r[i] = dist(Caffe::rng());
}

template <typename Dtype>
void caffe_rng_bernoulli(int n, Dtype p, unsigned int* r) {
  CAFFE_ENFORCE(p >= 0 && p <= 1, "bernoulli probability must be in [0, 1], got ", p);
  std::bernoulli_distribution dist(p);
  for (int i = 0; i < n; ++i) r[i] = dist(Caffe::rng());
}

unsigned int caffe_rng_rand() { return static_cast<unsigned int>(Caffe::rng()()); }

#define INSTANTIATE_MATH(Dtype)                                                             \
  template void caffe_copy<Dtype>(int, const Dtype*, Dtype*);                             \
  template void caffe_set<Dtype>(int, Dtype, Dtype*);                                     \
  template void caffe_scal<Dtype>(int, Dtype, Dtype*);                                    \
  template void caffe_cpu_scale<Dtype>(int, Dtype, const Dtype*, Dtype*);                 \
  template Dtype caffe_cpu_dot<Dtype>(int, const Dtype*, const Dtype*);                   \
  template Dtype caffe_cpu_asum<Dtype>(int, const Dtype*);                                \
  template void caffe_rng_uniform<Dtype>(int, Dtype, Dtype, Dtype*);                      \
  template void caffe_rng_gaussian<Dtype>(int, Dtype, Dtype, Dtype*);                     \
  template void caffe_rng_bernoulli<Dtype>(int, Dtype, int*);                             \
  template void caffe_rng_bernoulli<Dtype>(int, Dtype, unsigned int*);
INSTANTIATE_MATH(float)
INSTANTIATE_MATH(double)
template void caffe_copy<int>(int, const int*, int*);
template void caffe_copy<unsigned int>(int, const unsigned int*, unsigned int*);
template void caffe_set<int>(int, int, int*);
template void caffe_set<unsigned int>(int, unsigned int, unsigned int*);

}  // namespace caffe
