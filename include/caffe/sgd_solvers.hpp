// The gradient-descent solvers: SGD (with momentum) and its variants Nesterov,
// AdaGrad, RMSProp, AdaDelta and Adam. SGDSolver does the shared work -- learning
// rate policy, gradient clipping, iter_size averaging, weight decay, the history
// blobs and their snapshots; each variant supplies its per-parameter update rule,
// whose per-element math lives in caffe/kernels/solver_updates.hpp. A rule is written
// once, as UpdateOn<Side>, for both sides (CAFFE_SOLVER_UPDATE_ON_SIDES; the GPU
// definitions are in sgd_solver.cu and adaptive_solvers.cu).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "caffe/kernels/solver_updates.hpp"
#include "caffe/solver.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

// Learning rate of `policy` at iteration iter (BVLC's formulas). For "multistep",
// *current_step is advanced past the step values already reached.
double LearningRateAt(const SolverParameter& param, int iter, int* current_step);
// Throws ParseError when the policy is unknown or lacks the fields it needs.
void CheckLearningRatePolicy(const SolverParameter& param);

template <typename Dtype>
class SGDSolver : public Solver<Dtype> {
 public:
  explicit SGDSolver(const SolverParameter& param) : Solver<Dtype>(param) { PreSolve(); }
  explicit SGDSolver(const std::string& param_file) : Solver<Dtype>(param_file) { PreSolve(); }
  const char* type() const override { return "SGD"; }

  const vector<shared_ptr<Blob<Dtype>>>& history() const { return history_; }
  // The learning rate for the current iteration.
  Dtype GetLearningRate();

 protected:
  void PreSolve();
  void ApplyUpdate() override;
  void ClipGradients();

  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)

  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    RunUpdate<Side>(param_id, kernels::SGDUpdate<Dtype>{grad<Side>(param_id), hist<Side>(0, param_id),
                                                        Dtype(this->param_.momentum()),
                                                        local_rate(param_id, rate)});
  }
  // Runs one fused pass over parameter param_id: the gradient's iter_size average and
  // weight decay, then `rule` (which leaves the step in the diff), then w -= step.
  template <class Side, class Rule>
  void RunUpdate(int param_id, const Rule& rule) {
    Blob<Dtype>* p = learnable(param_id);
    const kernels::PrepareGradient<Dtype> prepare{grad<Side>(param_id), Side::data(p),
                                                  gradient_scale(), decay(param_id), l1()};
    Side::for_n(p->count(), kernels::FusedStep<Dtype, Rule>{prepare, rule, Side::mutable_data(p)});
  }
  // Adds one zeroed history blob per learnable parameter (AdaDelta and Adam keep two).
  void AddHistorySet();
  void SaveSolverState(SolverState* state) const override;
  void CheckSolverState(const SolverState& state, const std::string& file) const override;
  void LoadSolverState(const SolverState& state) override;

  Blob<Dtype>* learnable(int param_id) const { return this->net_->learnable_params()[param_id]; }
  // The gradient of parameter param_id and its history blob `set`, on the side.
  template <class Side>
  Dtype* grad(int param_id) { return Side::mutable_diff(learnable(param_id)); }
  template <class Side>
  Dtype* hist(int set, int param_id) {
    return Side::mutable_data(history_[set * params_count() + param_id].get());
  }
  int params_count() const { return static_cast<int>(this->net_->learnable_params().size()); }
  Dtype gradient_scale() const { return Dtype(1) / this->param_.iter_size(); }  // iter_size average
  Dtype decay(int param_id) const {
    return this->param_.weight_decay() * this->net_->params_weight_decay()[param_id];
  }
  bool l1() const { return this->param_.regularization_type() == "L1"; }
  Dtype local_rate(int param_id, Dtype rate) const {
    return rate * this->net_->params_lr()[param_id];
  }

  // history_[s * N + i] is history set s of learnable parameter i.
  vector<shared_ptr<Blob<Dtype>>> history_;
};

template <typename Dtype>
class NesterovSolver : public SGDSolver<Dtype> {
 public:
  using SGDSolver<Dtype>::SGDSolver;
  const char* type() const override { return "Nesterov"; }

 protected:
  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)
  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    this->template RunUpdate<Side>(param_id, kernels::NesterovUpdate<Dtype>{
        this->template grad<Side>(param_id), this->template hist<Side>(0, param_id),
        Dtype(this->param_.momentum()), this->local_rate(param_id, rate)});
  }
};

template <typename Dtype>
class AdaGradSolver : public SGDSolver<Dtype> {
 public:
  explicit AdaGradSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { Check(); }
  explicit AdaGradSolver(const std::string& file) : SGDSolver<Dtype>(file) { Check(); }
  const char* type() const override { return "AdaGrad"; }

 protected:
  void Check() const;
  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)
  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    this->template RunUpdate<Side>(param_id, kernels::AdaGradUpdate<Dtype>{
        this->template grad<Side>(param_id), this->template hist<Side>(0, param_id),
        Dtype(this->param_.delta()), this->local_rate(param_id, rate)});
  }
};

template <typename Dtype>
class RMSPropSolver : public SGDSolver<Dtype> {
 public:
  explicit RMSPropSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { Check(); }
  explicit RMSPropSolver(const std::string& file) : SGDSolver<Dtype>(file) { Check(); }
  const char* type() const override { return "RMSProp"; }

 protected:
  void Check() const;
  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)
  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    this->template RunUpdate<Side>(param_id, kernels::RMSPropUpdate<Dtype>{
        this->template grad<Side>(param_id), this->template hist<Side>(0, param_id),
        Dtype(this->param_.rms_decay()), Dtype(this->param_.delta()),
        this->local_rate(param_id, rate)});
  }
};

template <typename Dtype>
class AdaDeltaSolver : public SGDSolver<Dtype> {
 public:
  explicit AdaDeltaSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { this->AddHistorySet(); }
  explicit AdaDeltaSolver(const std::string& file) : SGDSolver<Dtype>(file) { this->AddHistorySet(); }
  const char* type() const override { return "AdaDelta"; }

 protected:
  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)
  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    this->template RunUpdate<Side>(param_id, kernels::AdaDeltaUpdate<Dtype>{
        this->template grad<Side>(param_id), this->template hist<Side>(0, param_id),
        this->template hist<Side>(1, param_id), Dtype(this->param_.momentum()),
        Dtype(this->param_.delta()), this->local_rate(param_id, rate)});
  }
};

template <typename Dtype>
class AdamSolver : public SGDSolver<Dtype> {
 public:
  explicit AdamSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { this->AddHistorySet(); }
  explicit AdamSolver(const std::string& file) : SGDSolver<Dtype>(file) { this->AddHistorySet(); }
  const char* type() const override { return "Adam"; }

 protected:
  CAFFE_SOLVER_UPDATE_ON_SIDES(Dtype)
  template <class Side>
  void UpdateOn(int param_id, Dtype rate) {
    // The bias corrections of both moments fold into the rate.
    const double beta1 = this->param_.momentum(), beta2 = this->param_.momentum2();
    const int t = this->iter_ + 1;
    const double correction = std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
    this->template RunUpdate<Side>(param_id, kernels::AdamUpdate<Dtype>{
        this->template grad<Side>(param_id), this->template hist<Side>(0, param_id),
        this->template hist<Side>(1, param_id), Dtype(beta1), Dtype(beta2),
        Dtype(this->param_.delta()), Dtype(this->local_rate(param_id, rate) * correction)});
  }
};

}  // namespace caffe
