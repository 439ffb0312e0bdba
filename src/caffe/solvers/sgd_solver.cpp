#include <cmath>

#include "caffe/kernels/solver_updates.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/solver_factory.hpp"
#include "caffe/util/blob_proto.hpp"
#include "caffe/util/math_functions.hpp"

namespace caffe {

void CheckLearningRatePolicy(const SolverParameter& param) {
  const std::string& policy = param.lr_policy();
  auto need = [&](bool ok, const char* what) {
    CAFFE_ENFORCE_AS(ParseError, ok, "solver: lr_policy \"", policy, "\" needs ", what);
  };
  if (policy.empty() || policy == "fixed" || policy == "exp") {
  } else if (policy == "step") {
    need(param.stepsize() > 0, "stepsize > 0");
  } else if (policy == "inv") {
    need(param.has_gamma() && param.has_power(), "gamma and power");
  } else if (policy == "multistep") {
    for (int i = 1; i < param.stepvalue_size(); ++i)
      need(param.stepvalue(i) > param.stepvalue(i - 1), "increasing stepvalue entries");
  } else if (policy == "poly") {
    need(param.max_iter() > 0, "max_iter > 0");
  } else if (policy == "sigmoid") {
    need(param.has_gamma() && param.has_stepsize(), "gamma and stepsize");
  } else {
    CAFFE_THROW_AS(ParseError, "solver: unknown lr_policy \"", policy,
                   "\"; known policies: fixed, step, exp, inv, multistep, poly, sigmoid");
  }
}

double LearningRateAt(const SolverParameter& param, int iter, int* current_step) {
  const std::string& policy = param.lr_policy();
  const double base = param.base_lr(), gamma = param.gamma(), power = param.power();
  if (policy.empty() || policy == "fixed") return base;
  if (policy == "step") return base * std::pow(gamma, iter / param.stepsize());
  if (policy == "exp") return base * std::pow(gamma, iter);
  if (policy == "inv") return base * std::pow(1.0 + gamma * iter, -power);
  if (policy == "multistep") {
    while (*current_step < param.stepvalue_size() && iter >= param.stepvalue(*current_step)) {
      ++*current_step;
      LOG(INFO) << "MultiStep Status: Iteration " << iter << ", step = " << *current_step;
    }
    return base * std::pow(gamma, *current_step);
  }
  if (policy == "poly")
    return base * std::pow(1.0 - static_cast<double>(iter) / param.max_iter(), power);
  if (policy == "sigmoid") return base / (1.0 + std::exp(-gamma * (iter - param.stepsize())));
  CheckLearningRatePolicy(param);  // throws for the unknown policy
  return base;
}

template <typename Dtype>
void SGDSolver<Dtype>::PreSolve() {
  CheckLearningRatePolicy(this->param_);
  const std::string& reg = this->param_.regularization_type();
  CAFFE_ENFORCE_AS(ParseError, reg == "L2" || reg == "L1", "solver: unknown regularization_type \"",
                   reg, "\"; use \"L2\" or \"L1\"");
  history_.clear();
  AddHistorySet();
}

template <typename Dtype>
void SGDSolver<Dtype>::AddHistorySet() {
  for (Blob<Dtype>* p : this->net_->learnable_params()) {
    history_.emplace_back(new Blob<Dtype>(p->shape()));
    caffe_set(p->count(), Dtype(0), history_.back()->mutable_cpu_data());
  }
}

template <typename Dtype>
Dtype SGDSolver<Dtype>::GetLearningRate() {
  return static_cast<Dtype>(LearningRateAt(this->param_, this->iter_, &this->current_step_));
}

template <typename Dtype>
void SGDSolver<Dtype>::ApplyUpdate() {
  const Dtype rate = GetLearningRate();
  if (this->param_.display() && this->iter_ % this->param_.display() == 0)
    LOG(INFO) << "Iteration " << this->iter_ << ", lr = " << rate;
  ClipGradients();
  // Each parameter's update ends with its step (the fused pass replaces Net::Update).
  for (int i = 0; i < params_count(); ++i) this->Update(i, rate);
}

template <typename Dtype>
void SGDSolver<Dtype>::ClipGradients() {
  const Dtype clip = this->param_.clip_gradients();
  if (clip < 0) return;
  Dtype sumsq = 0;
  for (Blob<Dtype>* p : this->net_->learnable_params()) sumsq += p->sumsq_diff();
  const Dtype norm = std::sqrt(sumsq);
  if (norm > clip) {
    const Dtype scale = clip / norm;
    LOG(INFO) << "Gradient clipping: scaling down gradients (L2 norm " << norm << " > " << clip
              << ") by scale factor " << scale;
    for (Blob<Dtype>* p : this->net_->learnable_params()) p->scale_diff(scale);
  }
}

template <typename Dtype>
void SGDSolver<Dtype>::SaveSolverState(SolverState* state) const {
  for (const auto& h : history_) h->ToProto(state->add_history());
}

template <typename Dtype>
void SGDSolver<Dtype>::CheckSolverState(const SolverState& state, const std::string& file) const {
  CAFFE_ENFORCE_AS(FileError, state.history_size() == static_cast<int>(history_.size()), "'", file,
                   "' holds ", state.history_size(), " history blobs, but a ", this->type(),
                   " solver for net '", this->net_->name(), "' keeps ", history_.size(),
                   " (is it the state of another net or solver type?)");
  for (int i = 0; i < state.history_size(); ++i) {
    if (history_[i]->ShapeEquals(state.history(i))) continue;
    CAFFE_THROW_AS(FileError, "'", file, "': history blob ", i, " has shape ",
                   StoredShapeString(state.history(i)), ", the solver expects ",
                   history_[i]->shape_string());
  }
}

template <typename Dtype>
void SGDSolver<Dtype>::LoadSolverState(const SolverState& state) {
  LOG(INFO) << "SGDSolver: restoring history";
  for (int i = 0; i < state.history_size(); ++i) history_[i]->FromProto(state.history(i), false);
}

INSTANTIATE_CLASS(SGDSolver);
REGISTER_SOLVER_CLASS(SGD);

}  // namespace caffe
