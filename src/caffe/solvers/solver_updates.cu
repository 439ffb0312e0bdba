// The solvers' update functors (caffe/kernels/solver_updates.hpp) run on the GPU.
#include "caffe/kernels/solver_updates.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename F>
void solver_update_gpu(int64_t n, const F& f) {
  gpu_for(n, f);
}

#define CAFFE_INSTANTIATE_UPDATE_T(Functor, T) \
  template void solver_update_gpu<kernels::FusedStep<T, kernels::Functor<T>>>( \
      int64_t, const kernels::FusedStep<T, kernels::Functor<T>>&)
#define CAFFE_INSTANTIATE_UPDATE(Functor) \
  CAFFE_INSTANTIATE_UPDATE_T(Functor, float); \
  CAFFE_INSTANTIATE_UPDATE_T(Functor, double)

CAFFE_INSTANTIATE_UPDATE(SGDUpdate);
CAFFE_INSTANTIATE_UPDATE(NesterovUpdate);
CAFFE_INSTANTIATE_UPDATE(AdaGradUpdate);
CAFFE_INSTANTIATE_UPDATE(RMSPropUpdate);
CAFFE_INSTANTIATE_UPDATE(AdaDeltaUpdate);
CAFFE_INSTANTIATE_UPDATE(AdamUpdate);

}  // namespace caffe
