// CPU parallel loops on the one OpenMP thread pool that BLAS (OpenBLAS's OpenMP build)
// and oneDNN share with the library; OMP_NUM_THREADS sets its size.
//
// cpu_for(n, f): calls f(i) for i in [0, n). Layers pass it the same CAFFE_HOST_DEVICE
// functors their CUDA kernels run through gpu_for (parallel.cuh).
// cpu_for_items(n, f): calls f(i, slot) for i in [0, n), one coarse item (an image, a
// channel) per call; slot in [0, cpu_slots()) names the calling thread so that it can
// use per-thread scratch without locking.
#pragma once

#include <omp.h>

#include <cstdint>

namespace caffe {

// Below this many elementary operations a loop stays on one thread: waking the pool
// costs more than it saves.
constexpr int64_t kMinParallelWork = 32768;

template <typename F>
void cpu_for(int64_t n, F f, int64_t work_per_item = 1) {
  if (n * work_per_item < kMinParallelWork || omp_in_parallel()) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

// Threads a cpu_for_items loop may use at once (the slots its calls are numbered by).
inline int cpu_slots() { return omp_in_parallel() ? 1 : omp_get_max_threads(); }

template <typename F>
void cpu_for_items(int64_t n, F f, int64_t work_per_item) {
  // One item alone, or too little work: run here, so that the BLAS calls inside may
  // use every thread themselves.
  if (n <= 1 || n * work_per_item < kMinParallelWork || cpu_slots() == 1) {
    for (int64_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
#pragma omp parallel
  {
    const int slot = omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) f(i, slot);
  }
}

}  // namespace caffe
