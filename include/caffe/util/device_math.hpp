// Run-time choice between host and device BLAS and blob memory, so that a layer whose
// work is all GEMM/GEMV (InnerProduct, the convolutions) writes its Forward/Backward
// once and runs it on either side: pass gpu = true from Forward_gpu/Backward_gpu.
// In a CPU-only build the device branch raises DeviceError.
#pragma once

#include "caffe/blob.hpp"
#include "caffe/util/math_functions.hpp"

namespace caffe {

template <typename Dtype>
void device_gemm(bool gpu, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
                 Dtype alpha, const Dtype* a, const Dtype* b, Dtype beta, Dtype* c) {
  if (!gpu) return caffe_cpu_gemm<Dtype>(ta, tb, m, n, k, alpha, a, b, beta, c);
#ifdef USE_CUDA
  caffe_gpu_gemm<Dtype>(ta, tb, m, n, k, alpha, a, b, beta, c);
#else
  NO_GPU;
#endif
}

template <typename Dtype>
void device_gemv(bool gpu, CBLAS_TRANSPOSE ta, int m, int n, Dtype alpha, const Dtype* a,
                 const Dtype* x, Dtype beta, Dtype* y) {
  if (!gpu) return caffe_cpu_gemv<Dtype>(ta, m, n, alpha, a, x, beta, y);
#ifdef USE_CUDA
  caffe_gpu_gemv<Dtype>(ta, m, n, alpha, a, x, beta, y);
#else
  NO_GPU;
#endif
}

template <typename Dtype>
void device_set(bool gpu, int n, Dtype value, Dtype* x) {
  if (!gpu) return caffe_set<Dtype>(n, value, x);
#ifdef USE_CUDA
  caffe_gpu_set<Dtype>(n, value, x);
#else
  NO_GPU;
#endif
}

// Blob memory on the chosen side.
template <typename Dtype>
const Dtype* device_data(const Blob<Dtype>& b, bool gpu) { return gpu ? b.gpu_data() : b.cpu_data(); }
template <typename Dtype>
const Dtype* device_diff(const Blob<Dtype>& b, bool gpu) { return gpu ? b.gpu_diff() : b.cpu_diff(); }
template <typename Dtype>
Dtype* device_mutable_data(Blob<Dtype>& b, bool gpu) {
  return gpu ? b.mutable_gpu_data() : b.mutable_cpu_data();
}
template <typename Dtype>
Dtype* device_mutable_diff(Blob<Dtype>& b, bool gpu) {
  return gpu ? b.mutable_gpu_diff() : b.mutable_cpu_diff();
}

}  // namespace caffe
