#include "caffe/solver.hpp"

#include <sstream>

#include "caffe/util/hdf5.hpp"
#include "caffe/util/io.hpp"

namespace caffe {

namespace {

std::string dirname_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A relative path that is missing from the working directory but present next to
// `anchor_file` is rewritten to point there.
void resolve_beside(const std::string& anchor_file, std::string* path) {
  if (path->empty() || (*path)[0] == '/' || FileExists(*path)) return;
  const std::string candidate = dirname_of(anchor_file) + *path;
  if (FileExists(candidate)) *path = candidate;
}

// Reads a net prototxt named by the solver; errors say which solver field named it.
void read_net_file(const std::string& path, const char* field, NetParameter* param) {
  try {
    ReadProtoFromTextFile(path, param);
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, "solver field ", field, ": ", e.what());
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void UpgradeSolverType(SolverParameter* param) {
  if (!param->has_solver_type()) return;
  static const char* kNames[] = {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"};
  const int legacy = static_cast<int>(param->solver_type());
  CAFFE_ENFORCE_AS(ParseError, legacy >= 0 && legacy < 6, "solver_type ", legacy, " is unknown");
  const std::string name = kNames[legacy];
  CAFFE_ENFORCE_AS(ParseError, !param->has_type() || param->type() == name,
                   "the solver sets both solver_type (", SolverParameter_SolverType_Name(param->solver_type()),
                   ") and type (\"", param->type(), "\"), which disagree; keep only `type`");
  param->set_type(name);
  param->clear_solver_type();
}

void ReadSolverParamsFromTextFile(const std::string& filename, SolverParameter* param) {
  ReadProtoFromTextFile(filename, param);
  UpgradeSolverType(param);
  if (param->has_net()) resolve_beside(filename, param->mutable_net());
  if (param->has_train_net()) resolve_beside(filename, param->mutable_train_net());
  for (int i = 0; i < param->test_net_size(); ++i) resolve_beside(filename, param->mutable_test_net(i));
  // As BVLC Caffe does: no prefix means "beside the solver file, named after it";
  // a directory prefix gets the solver's name appended.
  std::string stem = basename_of(filename);
  const auto dot = stem.find_last_of('.');
  if (dot != std::string::npos && dot > 0) stem = stem.substr(0, dot);
  if (!param->has_snapshot_prefix()) {
    param->set_snapshot_prefix(dirname_of(filename) + stem);
  } else if (ends_with(param->snapshot_prefix(), "/")) {
    param->set_snapshot_prefix(param->snapshot_prefix() + stem);
  }
}

template <typename Dtype>
void LoadNetWeights(Net<Dtype>* net, const std::string& model_list) {
  std::stringstream list(model_list);
  std::string file;
  while (std::getline(list, file, ',')) {
    if (file.empty()) continue;
    LOG(INFO) << "Loading weights from " << file;
    NetParameter weights;
    if (ends_with(file, ".h5")) {
      ReadNetParameterFromHDF5(file, &weights);
    } else {
      ReadProtoFromBinaryFile(file, &weights);
    }
    if (weights.layer_size() == 0 && !ends_with(file, ".h5")) {
      net->CopyTrainedLayersFrom(file);  // explains the legacy V1 format
      CAFFE_THROW_AS(FileError, "'", file, "' holds no layers (is it a .caffemodel file?)");
    }
    int matched = 0;
    for (const auto& layer : weights.layer()) {
      if (layer.blobs_size() > 0 && net->has_layer(layer.name()) &&
          !net->layer_by_name(layer.name())->blobs().empty())
        ++matched;
    }
    CAFFE_ENFORCE_AS(FileError, matched > 0 || net->learnable_params().empty(), "'", file, "' holds the weights of net '", weights.name(),
                     "', which share no layer name with net '", net->name(),
                     "' (is it the weights of another network?)");
    net->CopyTrainedLayersFrom(weights);
  }
}

template <typename Dtype>
NetScores<Dtype> ScoreNet(Net<Dtype>* net, int iterations, const std::function<bool(int)>& go_on,
                          const std::function<void(int, const vector<Blob<Dtype>*>&)>& each) {
  NetScores<Dtype> scores;
  int done = 0;
  for (; done < iterations; ++done) {
    if (go_on && !go_on(done)) break;
    Dtype loss;
    const vector<Blob<Dtype>*>& result = net->Forward(&loss);
    scores.loss += loss;
    size_t idx = 0;
    for (size_t j = 0; j < result.size(); ++j) {
      const Dtype* values = result[j]->cpu_data();
      for (int c = 0; c < result[j]->count(); ++c, ++idx) {
        if (done == 0) {
          scores.mean.push_back(values[c]);
          scores.output_of.push_back(static_cast<int>(j));
        } else {
          scores.mean[idx] += values[c];
        }
      }
    }
    if (each) each(done, result);
  }
  const Dtype n = static_cast<Dtype>(done > 0 ? done : 1);
  for (auto& m : scores.mean) m /= n;
  scores.loss /= n;
  return scores;
}

template <typename Dtype>
std::string OutputLine(const Net<Dtype>& net, int output, Dtype value) {
  const int blob = net.output_blob_indices()[output];
  const Dtype weight = net.blob_loss_weights()[blob];
  std::ostringstream line;
  line << net.blob_names()[blob] << " = " << value;
  if (weight) line << " (* " << weight << " = " << weight * value << " loss)";
  return line.str();
}

template <typename Dtype>
Solver<Dtype>::Solver(const SolverParameter& param) {
  Init(param);
}

template <typename Dtype>
Solver<Dtype>::Solver(const std::string& param_file) {
  SolverParameter param;
  ReadSolverParamsFromTextFile(param_file, &param);
  Init(param);
}

template <typename Dtype>
void Solver<Dtype>::Init(const SolverParameter& param) {
  param_ = param;
  UpgradeSolverType(&param_);
  LOG(INFO) << "Initializing solver from parameters: " << std::endl << param_.DebugString();
  CAFFE_ENFORCE_AS(ParseError, param_.average_loss() >= 1, "solver: average_loss must be >= 1, got ",
                   param_.average_loss());
  CAFFE_ENFORCE_AS(ParseError, param_.iter_size() >= 1, "solver: iter_size must be >= 1, got ",
                   param_.iter_size());
  CheckSnapshotWritePermissions();
  // Temporary files of snapshot writes that a killed run left behind.
  if (!param_.snapshot_prefix().empty()) RemoveStaleTemporaryFiles(param_.snapshot_prefix() + "_iter_");
  if (param_.random_seed() >= 0) Caffe::set_random_seed(param_.random_seed() + Caffe::solver_rank());
  InitTrainNet();
  InitTestNets();
  for (const auto& w : param_.weights()) {
    LoadNetWeights(net_.get(), w);
    for (auto& test_net : test_nets_) LoadNetWeights(test_net.get(), w);
  }
  iter_ = 0;
  current_step_ = 0;
  LOG(INFO) << "Solver scaffolding done.";
}

template <typename Dtype>
void Solver<Dtype>::InitTrainNet() {
  const int num_train_nets = param_.has_net() + param_.has_net_param() + param_.has_train_net() +
                             param_.has_train_net_param();
  const char* fields = "net, net_param, train_net or train_net_param";
  CAFFE_ENFORCE_AS(ParseError, num_train_nets >= 1, "solver: no training net given; set one of ", fields);
  CAFFE_ENFORCE_AS(ParseError, num_train_nets == 1, "solver: ", num_train_nets,
                   " training nets given; set only one of ", fields);
  NetParameter net_param;
  if (param_.has_train_net_param()) {
    LOG(INFO) << "Creating training net specified in train_net_param.";
    net_param.CopyFrom(param_.train_net_param());
  } else if (param_.has_train_net()) {
    LOG(INFO) << "Creating training net from train_net file: " << param_.train_net();
    read_net_file(param_.train_net(), "train_net", &net_param);
  } else if (param_.has_net_param()) {
    LOG(INFO) << "Creating training net specified in net_param.";
    net_param.CopyFrom(param_.net_param());
  } else {
    LOG(INFO) << "Creating training net from net file: " << param_.net();
    read_net_file(param_.net(), "net", &net_param);
  }
  // Precedence: TRAIN, then the net file's own state, then the solver's train_state.
  NetState state;
  state.set_phase(TRAIN);
  state.MergeFrom(net_param.state());
  state.MergeFrom(param_.train_state());
  *net_param.mutable_state() = state;
  net_.reset(new Net<Dtype>(net_param));
}

template <typename Dtype>
void Solver<Dtype>::InitTestNets() {
  const int num_generic = param_.has_net() + param_.has_net_param();
  const int num_specific = param_.test_net_param_size() + param_.test_net_size();
  if (num_generic) {
    CAFFE_ENFORCE_AS(ParseError, param_.test_iter_size() >= num_specific, "solver: ", num_specific,
                     " test nets but ", param_.test_iter_size(), " test_iter entries; give one per test net");
  } else {
    CAFFE_ENFORCE_AS(ParseError, param_.test_iter_size() == num_specific, "solver: ", num_specific,
                     " test nets but ", param_.test_iter_size(), " test_iter entries; give one per test net");
  }
  const int num_instances = param_.test_iter_size();
  CAFFE_ENFORCE_AS(ParseError, param_.test_state_size() == 0 || param_.test_state_size() == num_instances,
                   "solver: ", param_.test_state_size(), " test_state entries for ", num_instances,
                   " test nets; give none or one per test net");
  if (num_instances) {
    CAFFE_ENFORCE_AS(ParseError, param_.test_interval() > 0,
                     "solver: test_iter is set, so test_interval must be > 0 (got ",
                     param_.test_interval(), ")");
  }
  vector<NetParameter> net_params(num_instances);
  vector<std::string> sources(num_instances);
  int k = 0;
  for (int i = 0; i < param_.test_net_param_size(); ++i, ++k) {
    net_params[k] = param_.test_net_param(i);
    sources[k] = "test_net_param";
  }
  for (int i = 0; i < param_.test_net_size(); ++i, ++k) {
    read_net_file(param_.test_net(i), "test_net", &net_params[k]);
    sources[k] = "test_net file " + param_.test_net(i);
  }
  for (; k < num_instances; ++k) {
    if (param_.has_net_param()) {
      net_params[k] = param_.net_param();
      sources[k] = "net_param";
    } else {
      read_net_file(param_.net(), "net", &net_params[k]);
      sources[k] = "net file " + param_.net();
    }
  }
  test_nets_.clear();
  for (int i = 0; i < num_instances; ++i) {
    NetState state;
    state.set_phase(TEST);
    state.MergeFrom(net_params[i].state());
    if (param_.test_state_size()) state.MergeFrom(param_.test_state(i));
    *net_params[i].mutable_state() = state;
    LOG(INFO) << "Creating test net (#" << i << ") specified by " << sources[i];
    test_nets_.emplace_back(new Net<Dtype>(net_params[i]));
  }
}

template <typename Dtype>
SolverAction::Enum Solver<Dtype>::GetRequestedAction() {
  return action_request_function_ ? action_request_function_() : SolverAction::NONE;
}

template <typename Dtype>
void Solver<Dtype>::Step(int iters) {
  std::lock_guard<std::recursive_mutex> solver_lock(run_mutex_);
  const int start_iter = iter_;
  const int stop_iter = iter_ + iters;
  const int average_loss = param_.average_loss();
  losses_.clear();
  smoothed_loss_ = 0;
  while (iter_ < stop_iter) {
    if (param_.test_interval() && iter_ % param_.test_interval() == 0 &&
        (iter_ > 0 || param_.test_initialization())) {
      TestAll();
      if (requested_early_exit_) break;
    }
    {
      // One iteration is one unit for other users of the training net (see run_mutex()).
      std::lock_guard<std::recursive_mutex> net_lock(net_->run_mutex());
      net_->ClearParamDiffs();
      for (Callback* cb : callbacks_) cb->on_start();
      const bool display = param_.display() && iter_ % param_.display() == 0;
      net_->set_debug_info(display && param_.debug_info());
      Dtype loss = 0;
      for (int i = 0; i < param_.iter_size(); ++i) loss += net_->ForwardBackward();
      loss /= param_.iter_size();
      UpdateSmoothedLoss(loss, start_iter, average_loss);
      if (display) {
        LOG(INFO) << "Iteration " << iter_ << ", loss = " << smoothed_loss_;
        vector<int> ids;
        vector<Dtype> values;
        for (int j = 0; j < net_->num_outputs(); ++j) {
          const Blob<Dtype>* out = net_->output_blobs()[j];
          for (int c = 0; c < out->count(); ++c) {
            ids.push_back(j);
            values.push_back(out->cpu_data()[c]);
          }
        }
        LogOutputs("Train", ids, values, *net_);
      }
      for (Callback* cb : callbacks_) cb->on_gradients_ready();
      ApplyUpdate();
      ++iter_;
    }
    // As BVLC: the request is read once per iteration; a snapshot (scheduled or asked
    // for) comes before stopping, and Solve then skips its final one when it would repeat it.
    const SolverAction::Enum request = GetRequestedAction();
    if ((param_.snapshot() && iter_ % param_.snapshot() == 0) || request == SolverAction::SNAPSHOT)
      Snapshot();
    if (request == SolverAction::STOP) {
      requested_early_exit_ = true;
      break;
    }
  }
}

template <typename Dtype>
void Solver<Dtype>::Update(int param_id, Dtype rate) {
  if (Caffe::mode() == Caffe::GPU) {
    Update_gpu(param_id, rate);
  } else {
    Update_cpu(param_id, rate);
  }
}

template <typename Dtype>
void Solver<Dtype>::Solve(const std::string& resume_file) {
  std::lock_guard<std::recursive_mutex> solver_lock(run_mutex_);
  LOG(INFO) << "Solving " << net_->name();
  LOG(INFO) << "Learning Rate Policy: " << param_.lr_policy();
  requested_early_exit_ = false;
  if (!resume_file.empty()) {
    LOG(INFO) << "Restoring previous solver status from " << resume_file;
    Restore(resume_file);
  }
  const int start_iter = iter_;
  Step(param_.max_iter() - iter_);
  if (param_.snapshot_after_train() && (!param_.snapshot() || iter_ % param_.snapshot() != 0))
    Snapshot();
  if (requested_early_exit_) {
    LOG(INFO) << "Optimization stopped early.";
    return;
  }
  // One more forward pass so the log shows the loss after the last update.
  if (param_.display() && iter_ % param_.display() == 0) {
    Dtype loss;
    net_->Forward(&loss);
    UpdateSmoothedLoss(loss, start_iter, param_.average_loss());
    LOG(INFO) << "Iteration " << iter_ << ", loss = " << smoothed_loss_;
  }
  if (param_.test_interval() && iter_ % param_.test_interval() == 0) TestAll();
  LOG(INFO) << "Optimization Done.";
}

template <typename Dtype>
void Solver<Dtype>::TestAll() {
  std::lock_guard<std::recursive_mutex> solver_lock(run_mutex_);
  for (int i = 0; i < static_cast<int>(test_nets_.size()) && !requested_early_exit_; ++i) Test(i);
}

template <typename Dtype>
void Solver<Dtype>::Test(int test_net_id) {
  LOG(INFO) << "Iteration " << iter_ << ", Testing net (#" << test_net_id << ")";
  Net<Dtype>& test_net = *test_nets_[test_net_id];
  test_net.ShareTrainedLayersWith(net_.get());
  const NetScores<Dtype> scores = ScoreNet<Dtype>(
      &test_net, param_.test_iter(test_net_id),
      [this](int) {
        const SolverAction::Enum request = GetRequestedAction();
        if (request == SolverAction::SNAPSHOT) Snapshot();
        if (request != SolverAction::STOP) return true;
        requested_early_exit_ = true;
        LOG(INFO) << "Test interrupted.";
        return false;
      },
      nullptr);
  if (requested_early_exit_) return;
  if (param_.test_compute_loss()) LOG(INFO) << "Test loss: " << scores.loss;
  LogOutputs("Test", scores.output_of, scores.mean, test_net);
}

template <typename Dtype>
void Solver<Dtype>::LogOutputs(const char* what, const vector<int>& output_ids,
                               const vector<Dtype>& values, const Net<Dtype>& net) const {
  for (size_t i = 0; i < values.size(); ++i) {
    LOG(INFO) << "    " << what << " net output #" << i << ": "
              << OutputLine(net, output_ids[i], values[i]);
  }
}

template <typename Dtype>
void Solver<Dtype>::UpdateSmoothedLoss(Dtype loss, int start_iter, int average_loss) {
  if (static_cast<int>(losses_.size()) < average_loss) {
    losses_.push_back(loss);
    const int n = static_cast<int>(losses_.size());
    smoothed_loss_ = (smoothed_loss_ * (n - 1) + loss) / n;
  } else {
    const int idx = (iter_ - start_iter) % average_loss;
    smoothed_loss_ += (loss - losses_[idx]) / average_loss;
    losses_[idx] = loss;
  }
}

template <typename Dtype>
std::string Solver<Dtype>::SnapshotFilename(const std::string& extension) const {
  return param_.snapshot_prefix() + "_iter_" + std::to_string(iter_) + extension;
}

template <typename Dtype>
void Solver<Dtype>::CheckSnapshotWritePermissions() {
  if (!param_.snapshot()) return;
  CAFFE_ENFORCE_AS(ParseError, param_.has_snapshot_prefix() && !param_.snapshot_prefix().empty(),
                   "solver: snapshot is set but snapshot_prefix is not");
  const std::string probe = SnapshotFilename(".tempfile");
  try {
    WriteFileAtomically(probe, "");
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, "solver: cannot write snapshots with snapshot_prefix '",
                   param_.snapshot_prefix(), "' (does its directory exist?): ", e.what());
  }
  std::remove(probe.c_str());
}

template <typename Dtype>
void Solver<Dtype>::Snapshot() {
  std::lock_guard<std::recursive_mutex> solver_lock(run_mutex_);
  const bool hdf5 = param_.snapshot_format() == SolverParameter::HDF5;
  const std::string model_file = SnapshotFilename(hdf5 ? ".caffemodel.h5" : ".caffemodel");
  const std::string state_file = SnapshotFilename(hdf5 ? ".solverstate.h5" : ".solverstate");
  try {
    LOG(INFO) << "Snapshotting to " << (hdf5 ? "HDF5" : "binary proto") << " file " << model_file;
    NetParameter net_param;
    net_->ToProto(&net_param, param_.snapshot_diff());
    if (hdf5) {
      WriteNetParameterToHDF5(net_param, model_file, param_.snapshot_diff());
    } else {
      WriteProtoToBinaryFile(net_param, model_file);
    }

    SolverState state;
    state.set_iter(iter_);
    state.set_learned_net(model_file);
    state.set_current_step(current_step_);
    std::ostringstream rng;
    rng << Caffe::rng();
    state.set_rng_state(rng.str());
    SaveSolverState(&state);
    LOG(INFO) << "Snapshotting solver state to " << (hdf5 ? "HDF5" : "binary proto") << " file "
              << state_file;
    if (hdf5) {
      WriteSolverStateToHDF5(state, state_file);
    } else {
      WriteProtoToBinaryFile(state, state_file);
    }
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, "snapshot of iteration ", iter_, " failed: ", e.what(), "; ",
                   last_snapshot_.empty() ? std::string("no earlier snapshot of this run to resume from")
                                          : "the last complete snapshot is '" + last_snapshot_ + "'");
  }
  last_snapshot_ = state_file;
}

template <typename Dtype>
void Solver<Dtype>::Restore(const std::string& state_file) {
  std::lock_guard<std::recursive_mutex> solver_lock(run_mutex_);
  SolverState state;
  if (ends_with(state_file, ".h5")) {
    ReadSolverStateFromHDF5(state_file, &state);
  } else {
    ReadProtoFromBinaryFile(state_file, &state);
  }
  CAFFE_ENFORCE_AS(FileError, state.iter() >= 0, "'", state_file, "': negative iteration ", state.iter());
  // current_step indexes the multistep policy's stepvalue list.
  CAFFE_ENFORCE_AS(FileError, state.current_step() >= 0, "'", state_file, "': negative current_step ",
                   state.current_step());
  CheckSolverState(state, state_file);
  std::mt19937_64 rng;
  if (state.has_rng_state()) {
    std::istringstream in(state.rng_state());
    in >> rng;
    CAFFE_ENFORCE_AS(FileError, !in.fail(), "'", state_file, "': the random generator state is corrupt");
  }
  if (state.has_learned_net()) {
    std::string learned = state.learned_net();
    // Snapshots moved together with their .solverstate are found beside it.
    if (!FileExists(learned)) learned = dirname_of(state_file) + basename_of(learned);
    LoadNetWeights(net_.get(), learned);
  }
  LoadSolverState(state);
  iter_ = state.iter();
  current_step_ = state.current_step();
  if (state.has_rng_state()) Caffe::rng() = rng;
  last_snapshot_ = state_file;
}

INSTANTIATE_CLASS(Solver);
template void LoadNetWeights<float>(Net<float>*, const std::string&);
template void LoadNetWeights<double>(Net<double>*, const std::string&);
template NetScores<float> ScoreNet<float>(Net<float>*, int, const std::function<bool(int)>&,
                                          const std::function<void(int, const vector<Blob<float>*>&)>&);
template NetScores<double> ScoreNet<double>(Net<double>*, int, const std::function<bool(int)>&,
                                            const std::function<void(int, const vector<Blob<double>*>&)>&);
template std::string OutputLine<float>(const Net<float>&, int, float);
template std::string OutputLine<double>(const Net<double>&, int, double);

}  // namespace caffe
