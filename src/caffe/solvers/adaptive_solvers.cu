#include "caffe/sgd_solvers.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_SOLVER_GPU_UPDATE(NesterovSolver);
DEFINE_SOLVER_GPU_UPDATE(AdaGradSolver);
DEFINE_SOLVER_GPU_UPDATE(RMSPropSolver);
DEFINE_SOLVER_GPU_UPDATE(AdaDeltaSolver);
DEFINE_SOLVER_GPU_UPDATE(AdamSolver);

}  // namespace caffe
