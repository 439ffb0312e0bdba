// gpu_for(n, f): runs f(i) for i in [0, n) as a grid-stride CUDA kernel; the device
// twin of cpu_for (parallel.hpp), so a functor is written once for both.
#pragma once

#include "caffe/common.hpp"

namespace caffe {

template <typename F>
__global__ void gpu_for_kernel(int64_t n, F f) {
  CUDA_KERNEL_LOOP(i, n) { f(i); }
}

template <typename F>
void gpu_for(int64_t n, F f) {
  if (n <= 0) return;
  gpu_for_kernel<<<CAFFE_GET_BLOCKS(n), CAFFE_CUDA_NUM_THREADS>>>(n, f);
  CUDA_POST_KERNEL_CHECK;
}

}  // namespace caffe
