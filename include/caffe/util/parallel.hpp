// CPU parallel loops on the one OpenMP thread pool that BLAS (OpenBLAS's OpenMP build)
// and oneDNN share with the library; OMP_NUM_THREADS sets its size.
//
// cpu_for(n, f): calls f(i) for i in [0, n). Layers pass it the same CAFFE_HOST_DEVICE
// functors their CUDA kernels run through gpu_for (parallel.cuh).
// cpu_for_items(n, f): calls f(i, slot) for i in [0, n), one coarse item (an image, a
// channel) per call; slot in [0, cpu_slots()) names the calling thread so that it can
// use per-thread scratch without locking.
// cpu_reduce(segments, term, finish): the CPU's segmented reduction (kernels/segments.hpp).
#pragma once

#include <omp.h>

#include <cstdint>
#include <vector>

#include "caffe/kernels/segments.hpp"

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
#pragma omp parallel
  {
    // Each thread calls its own copy: the copy's fields (the functor's pointers and
    // parameters) cannot be reached through the pointers the loop writes to, so the
    // compiler keeps them in registers and vectorises the loop. Calling the shared f
    // made it reload them after every store and branch element by element.
    const F g = f;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) g(i);
  }
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

// Values per piece when cpu_reduce splits a long segment. The split depends on the
// sizes alone, never on the thread count, so every run adds in the same order.
constexpr int64_t kReducePiece = 8192;

// finish(s, r) for every segment s of g, r being the Op-reduction of its terms. The work
// is spread by its total (segments x length): many short segments go to the threads
// whole; long ones are cut into pieces of kReducePiece values reduced in parallel and
// then combined in order.
template <class Op, class Term, class Finish>
void cpu_reduce(const kernels::Segments& g, const Term& term, const Finish& finish) {
  if (g.count <= 0) return;
  const int64_t pieces = g.length > kReducePiece ? (g.length + kReducePiece - 1) / kReducePiece : 1;
  if (pieces == 1) {
    cpu_for(g.count, [&](int64_t s) {
      finish(s, kernels::reduce_range<Op>(g, term, s, 0, g.length));
    }, g.length);
    return;
  }
  std::vector<double> part(static_cast<size_t>(g.count * pieces));
  cpu_for(g.count * pieces, [&](int64_t b) {
    const int64_t s = b / pieces, j0 = (b % pieces) * kReducePiece;
    const int64_t j1 = j0 + kReducePiece < g.length ? j0 + kReducePiece : g.length;
    part[b] = kernels::reduce_range<Op>(g, term, s, j0, j1);
  }, kReducePiece);
  for (int64_t s = 0; s < g.count; ++s) {
    double acc = Op::identity();
    for (int64_t p = 0; p < pieces; ++p) acc = Op::combine(acc, part[s * pieces + p]);
    finish(s, acc);
  }
}

}  // namespace caffe
