// Solver: trains a Net from a SolverParameter (solver.prototxt). It builds the training
// net and the test nets, runs Step(iters) -- forward/backward (accumulated over
// iter_size passes), the update rule of the concrete solver (sgd_solvers.hpp),
// periodic tests, logging and snapshots -- and restores from a .solverstate.
// Log lines follow BVLC Caffe's wording so existing log parsers read them.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "caffe/common.hpp"
#include "caffe/net.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

// What a signal (or any other outside request) asks the solver to do at the end of
// the current iteration.
namespace SolverAction {
enum Enum { NONE = 0, STOP = 1, SNAPSHOT = 2 };
}
using ActionCallback = std::function<SolverAction::Enum()>;

// Reads a solver prototxt and brings it up to date: the legacy solver_type enum
// becomes `type`; a missing snapshot_prefix becomes the solver file's path without
// its extension; a net path that is not found relative to the working directory is
// looked up relative to the solver file's directory.
void ReadSolverParamsFromTextFile(const std::string& filename, SolverParameter* param);
// Sets `type` from the legacy solver_type enum (error when both disagree).
void UpgradeSolverType(SolverParameter* param);

// Copies weights into net from one or more .caffemodel files (comma-separated).
// A file that shares no parameter layer with the net is an error (wrong network).
template <typename Dtype>
void LoadNetWeights(Net<Dtype>* net, const std::string& model_list);

// What a net outputs on average over several forward passes (a test).
template <typename Dtype>
struct NetScores {
  vector<Dtype> mean;     // one mean per output value: the output blobs' values, in order
  vector<int> output_of;  // the output blob (index into net.output_blobs()) of each value
  Dtype loss = 0;         // the mean loss
};

// Runs up to `iterations` forward passes of net and averages its outputs: the test loop
// of Solver::Test and of `caffe test`. `go_on(i)`, when given, is asked before pass i and
// may stop the loop (the result is then incomplete and should be dropped); `each(i, outputs)`
// sees every pass's outputs.
template <typename Dtype>
NetScores<Dtype> ScoreNet(Net<Dtype>* net, int iterations,
                          const std::function<bool(int)>& go_on,
                          const std::function<void(int, const vector<Blob<Dtype>*>&)>& each);

// "name = value", plus " (* weight = weighted loss)" for a loss output: how Caffe logs
// the value of output blob `output` (an index into net.output_blobs()).
template <typename Dtype>
std::string OutputLine(const Net<Dtype>& net, int output, Dtype value);

template <typename Dtype>
class Solver {
 public:
  explicit Solver(const SolverParameter& param);
  explicit Solver(const std::string& param_file);
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;
  virtual ~Solver() = default;

  // Trains from the current iteration to max_iter, optionally restoring first.
  void Solve(const std::string& resume_file = "");
  // Runs `iters` training iterations.
  void Step(int iters);
  // Loads a .solverstate (and the .caffemodel it names) to continue training.
  void Restore(const std::string& state_file);
  // Writes <prefix>_iter_N.caffemodel, then <prefix>_iter_N.solverstate (a snapshot is
  // complete once its .solverstate exists). Each file is written atomically
  // (WriteFileAtomically); when a write fails, FileError says which file, why, and which
  // complete snapshot is the last one, and the earlier files are untouched.
  void Snapshot();
  // The .solverstate of the last complete snapshot this solver wrote or restored ("" if none).
  const std::string& last_snapshot() const { return last_snapshot_; }
  void TestAll();
  // Applies one update to the training net's parameters from their gradients (for
  // scripts that run forward/backward themselves).
  virtual void ApplyUpdate() = 0;

  // The function asked once per iteration whether to stop or snapshot (signals).
  void SetActionFunction(ActionCallback func) { action_request_function_ = std::move(func); }
  SolverAction::Enum GetRequestedAction();

  // Hooks for multi-device training: called at the start of each iteration and once
  // the gradients are ready (before the update).
  class Callback {
   public:
    virtual ~Callback() = default;
    virtual void on_start() = 0;
    virtual void on_gradients_ready() = 0;
  };
  void add_callback(Callback* value) { callbacks_.push_back(value); }

  const SolverParameter& param() const { return param_; }
  shared_ptr<Net<Dtype>> net() const { return net_; }
  const vector<shared_ptr<Net<Dtype>>>& test_nets() const { return test_nets_; }
  int iter() const { return iter_; }
  void set_iter(int iter) { iter_ = iter; }
  Dtype smoothed_loss() const { return smoothed_loss_; }
  bool requested_early_exit() const { return requested_early_exit_; }
  virtual const char* type() const = 0;

  // Held by Step, Solve, TestAll, Snapshot and Restore (and by pycaffe around every call
  // that changes the solver): two threads that share one solver take turns. Each training
  // iteration also holds the training net's lock, from clearing the gradients to the
  // update, so that another thread's use of solver.net falls between iterations.
  std::recursive_mutex& run_mutex() const { return run_mutex_; }

 protected:
  void Init(const SolverParameter& param);
  void InitTrainNet();
  void InitTestNets();
  void Test(int test_net_id);
  void CheckSnapshotWritePermissions();
  std::string SnapshotFilename(const std::string& extension) const;
  void UpdateSmoothedLoss(Dtype loss, int start_iter, int average_loss);
  void LogOutputs(const char* what, const vector<int>& output_ids, const vector<Dtype>& values,
                  const Net<Dtype>& net) const;

  // Updates learnable parameter param_id of the training net (its diff holds the
  // gradient) with learning rate `rate`, on the side of Caffe::mode(). A solver writes the
  // update once, as the member template UpdateOn<Side>, and defines Update_cpu / Update_gpu
  // from it with CAFFE_SOLVER_UPDATE_ON_SIDES (util/side.hpp) and, in its .cu file,
  // DEFINE_SOLVER_GPU_UPDATE.
  void Update(int param_id, Dtype rate);
  virtual void Update_cpu(int param_id, Dtype rate) = 0;
  virtual void Update_gpu(int param_id, Dtype rate) { Update_cpu(param_id, rate); }

  // Adds the concrete solver's history to state (iter and learned_net are filled in).
  virtual void SaveSolverState(SolverState* state) const = 0;
  // Checks that state fits this solver and net; throws before anything changes.
  virtual void CheckSolverState(const SolverState& state, const std::string& file) const = 0;
  virtual void LoadSolverState(const SolverState& state) = 0;

  SolverParameter param_;
  int iter_ = 0;
  int current_step_ = 0;
  shared_ptr<Net<Dtype>> net_;
  vector<shared_ptr<Net<Dtype>>> test_nets_;
  vector<Callback*> callbacks_;
  vector<Dtype> losses_;
  Dtype smoothed_loss_ = 0;
  ActionCallback action_request_function_;
  bool requested_early_exit_ = false;
  std::string last_snapshot_;
  mutable std::recursive_mutex run_mutex_;
};

}  // namespace caffe
