// cpu_for(n, f): calls f(i) for i in [0, n) on the OpenMP threads. Layers pass it the
// same CAFFE_HOST_DEVICE functors their CUDA kernels run through gpu_for (parallel.cuh).
#pragma once

#include <cstdint>

namespace caffe {

template <typename F>
void cpu_for(int64_t n, F f) {
  // Small loops stay on one thread: spawning costs more than it saves.
  if (n < 32768) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace caffe
