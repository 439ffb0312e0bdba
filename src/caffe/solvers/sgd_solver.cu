#include "caffe/sgd_solvers.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_SOLVER_GPU_UPDATE(SGDSolver);

}  // namespace caffe
