// The SGD variants' checks and registration; their update rules are UpdateOn<Side> in
// caffe/sgd_solvers.hpp, the per-element math in caffe/kernels/solver_updates.hpp.
#include "caffe/kernels/solver_updates.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/solver_factory.hpp"

namespace caffe {

template <typename Dtype>
void AdaGradSolver<Dtype>::Check() const {
  CAFFE_ENFORCE_AS(ParseError, this->param_.momentum() == 0,
                   "solver: momentum cannot be used with AdaGrad (got momentum: ",
                   this->param_.momentum(), ")");
}

template <typename Dtype>
void RMSPropSolver<Dtype>::Check() const {
  CAFFE_ENFORCE_AS(ParseError, this->param_.momentum() == 0,
                   "solver: momentum cannot be used with RMSProp (got momentum: ",
                   this->param_.momentum(), "); rms_decay sets its averaging");
  const float d = this->param_.rms_decay();
  CAFFE_ENFORCE_AS(ParseError, d >= 0 && d <= 1, "solver: rms_decay must be in [0, 1], got ", d);
}

INSTANTIATE_CLASS(NesterovSolver);
INSTANTIATE_CLASS(AdaGradSolver);
INSTANTIATE_CLASS(RMSPropSolver);
INSTANTIATE_CLASS(AdaDeltaSolver);
INSTANTIATE_CLASS(AdamSolver);
REGISTER_SOLVER_CLASS(Nesterov);
REGISTER_SOLVER_CLASS(AdaGrad);
REGISTER_SOLVER_CLASS(RMSProp);
REGISTER_SOLVER_CLASS(AdaDelta);
REGISTER_SOLVER_CLASS(Adam);

}  // namespace caffe
