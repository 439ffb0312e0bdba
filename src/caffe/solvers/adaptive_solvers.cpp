// Update rules of the SGD variants; the per-element math is in
// caffe/kernels/solver_updates.hpp, shared with the CUDA build.
#include <cmath>

#include "caffe/kernels/solver_updates.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/solver_factory.hpp"

namespace caffe {

template <typename Dtype>
void NesterovSolver<Dtype>::ComputeUpdateValue(int param_id, Dtype rate) {
  Blob<Dtype>* p = this->net_->learnable_params()[param_id];
  this->RunUpdate(param_id, kernels::NesterovUpdate<Dtype>{this->diff_of(p), this->hist(0, param_id),
                                                           Dtype(this->param_.momentum()),
                                                           this->local_rate(param_id, rate)});
}

template <typename Dtype>
void AdaGradSolver<Dtype>::Check() const {
  CAFFE_ENFORCE_AS(ParseError, this->param_.momentum() == 0,
                   "solver: momentum cannot be used with AdaGrad (got momentum: ",
                   this->param_.momentum(), ")");
}

template <typename Dtype>
void AdaGradSolver<Dtype>::ComputeUpdateValue(int param_id, Dtype rate) {
  Blob<Dtype>* p = this->net_->learnable_params()[param_id];
  this->RunUpdate(param_id, kernels::AdaGradUpdate<Dtype>{this->diff_of(p), this->hist(0, param_id),
                                                          Dtype(this->param_.delta()),
                                                          this->local_rate(param_id, rate)});
}

template <typename Dtype>
void RMSPropSolver<Dtype>::Check() const {
  CAFFE_ENFORCE_AS(ParseError, this->param_.momentum() == 0,
                   "solver: momentum cannot be used with RMSProp (got momentum: ",
                   this->param_.momentum(), "); rms_decay sets its averaging");
  const float d = this->param_.rms_decay();
  CAFFE_ENFORCE_AS(ParseError, d >= 0 && d <= 1, "solver: rms_decay must be in [0, 1], got ", d);
}

template <typename Dtype>
void RMSPropSolver<Dtype>::ComputeUpdateValue(int param_id, Dtype rate) {
  Blob<Dtype>* p = this->net_->learnable_params()[param_id];
  this->RunUpdate(param_id, kernels::RMSPropUpdate<Dtype>{this->diff_of(p), this->hist(0, param_id),
                                                          Dtype(this->param_.rms_decay()),
                                                          Dtype(this->param_.delta()),
                                                          this->local_rate(param_id, rate)});
}

template <typename Dtype>
void AdaDeltaSolver<Dtype>::ComputeUpdateValue(int param_id, Dtype rate) {
  Blob<Dtype>* p = this->net_->learnable_params()[param_id];
  this->RunUpdate(param_id, kernels::AdaDeltaUpdate<Dtype>{
                                this->diff_of(p), this->hist(0, param_id), this->hist(1, param_id),
                                Dtype(this->param_.momentum()), Dtype(this->param_.delta()),
                                this->local_rate(param_id, rate)});
}

template <typename Dtype>
void AdamSolver<Dtype>::ComputeUpdateValue(int param_id, Dtype rate) {
  Blob<Dtype>* p = this->net_->learnable_params()[param_id];
  const double beta1 = this->param_.momentum(), beta2 = this->param_.momentum2();
  const int t = this->iter_ + 1;
  const double correction = std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
  this->RunUpdate(param_id, kernels::AdamUpdate<Dtype>{
                                this->diff_of(p), this->hist(0, param_id), this->hist(1, param_id),
                                Dtype(beta1), Dtype(beta2), Dtype(this->param_.delta()),
                                Dtype(this->local_rate(param_id, rate) * correction)});
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
