// The gradient-descent solvers: SGD (with momentum) and its variants Nesterov,
// AdaGrad, RMSProp, AdaDelta and Adam. SGDSolver does the shared work -- learning
// rate policy, gradient clipping, iter_size averaging, weight decay, the history
// blobs and their snapshots; each variant supplies its per-parameter update rule,
// whose per-element math lives in caffe/kernels/solver_updates.hpp.
#pragma once

#include <string>
#include <vector>

#include "caffe/kernels/solver_updates.hpp"
#include "caffe/solver.hpp"
#include "caffe/util/parallel.hpp"

namespace caffe {

#ifdef USE_CUDA
// Runs an update functor over n elements on the GPU (defined in solver_updates.cu).
template <typename F>
void solver_update_gpu(int64_t n, const F& f);
#endif

// Runs an update functor on the side the current mode computes on.
template <typename F>
void solver_update(int64_t n, const F& f) {
  if (Caffe::mode() == Caffe::GPU) {
#ifdef USE_CUDA
    solver_update_gpu(n, f);
#else
    NO_GPU;
#endif
  } else {
    cpu_for(n, f);
  }
}

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
  // Updates parameter param_id: each solver runs its rule through RunUpdate.
  virtual void ComputeUpdateValue(int param_id, Dtype rate);
  // Runs one fused pass over parameter param_id: the gradient's iter_size average and
  // weight decay, then `rule` (which leaves the step in the diff), then w -= step.
  template <class Rule>
  void RunUpdate(int param_id, const Rule& rule) {
    Blob<Dtype>* p = this->net_->learnable_params()[param_id];
    solver_update(p->count(), kernels::FusedStep<Dtype, Rule>{prepare(param_id), rule, data_of(p)});
  }
  kernels::PrepareGradient<Dtype> prepare(int param_id);
  // Adds one zeroed history blob per learnable parameter (AdaDelta and Adam keep two).
  void AddHistorySet();
  void SaveSolverState(SolverState* state) const override;
  void CheckSolverState(const SolverState& state, const std::string& file) const override;
  void LoadSolverState(const SolverState& state) override;

  // Pointers for the current mode.
  static Dtype* diff_of(Blob<Dtype>* b);
  static Dtype* data_of(Blob<Dtype>* b);
  Dtype* hist(int set, int param_id) { return data_of(history_[set * params_count() + param_id].get()); }
  int params_count() const { return static_cast<int>(this->net_->learnable_params().size()); }
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
  void ComputeUpdateValue(int param_id, Dtype rate) override;
};

template <typename Dtype>
class AdaGradSolver : public SGDSolver<Dtype> {
 public:
  explicit AdaGradSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { Check(); }
  explicit AdaGradSolver(const std::string& file) : SGDSolver<Dtype>(file) { Check(); }
  const char* type() const override { return "AdaGrad"; }

 protected:
  void Check() const;
  void ComputeUpdateValue(int param_id, Dtype rate) override;
};

template <typename Dtype>
class RMSPropSolver : public SGDSolver<Dtype> {
 public:
  explicit RMSPropSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { Check(); }
  explicit RMSPropSolver(const std::string& file) : SGDSolver<Dtype>(file) { Check(); }
  const char* type() const override { return "RMSProp"; }

 protected:
  void Check() const;
  void ComputeUpdateValue(int param_id, Dtype rate) override;
};

template <typename Dtype>
class AdaDeltaSolver : public SGDSolver<Dtype> {
 public:
  explicit AdaDeltaSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { this->AddHistorySet(); }
  explicit AdaDeltaSolver(const std::string& file) : SGDSolver<Dtype>(file) { this->AddHistorySet(); }
  const char* type() const override { return "AdaDelta"; }

 protected:
  void ComputeUpdateValue(int param_id, Dtype rate) override;
};

template <typename Dtype>
class AdamSolver : public SGDSolver<Dtype> {
 public:
  explicit AdamSolver(const SolverParameter& param) : SGDSolver<Dtype>(param) { this->AddHistorySet(); }
  explicit AdamSolver(const std::string& file) : SGDSolver<Dtype>(file) { this->AddHistorySet(); }
  const char* type() const override { return "Adam"; }

 protected:
  void ComputeUpdateValue(int param_id, Dtype rate) override;
};

}  // namespace caffe
