// The `caffe` command (also installed as caffe.bin): train, test, time, device_query,
// with BVLC Caffe's gflags-style flags (`-solver=x` or `--solver x`).
// Every error is reported as one line "caffe: <message>" on stderr with exit status 1.
#include <chrono>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <gflags/gflags.h>
#include <omp.h>
#include <pybind11/embed.h>

#include "caffe/common.hpp"
#include "caffe/layer_factory.hpp"
#include "caffe/net.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/solver_factory.hpp"
#include "caffe/util/signal_handler.hpp"

DEFINE_string(gpu, "",
              "Run in GPU mode on the given device IDs separated by ','. Use '-gpu all' to run on "
              "all available GPUs.");
DEFINE_string(solver, "", "The solver definition protocol buffer text file.");
DEFINE_string(engine, "",
              "Optional; the CPU engine of layers whose engine field is DEFAULT: CAFFE (portable "
              "passes) or DNNL (oneDNN, float nets; the default where the build has it). The "
              "CAFFE_ENGINE environment variable sets the same.");
DEFINE_bool(deterministic, false,
            "Optional; deterministic mode: passes that would add with GPU atomics in arrival "
            "order (SpatialTransformer's gradient to U) add exactly in fixed point, so runs "
            "repeat bit for bit (slower; see docs/design.md).");
DEFINE_string(model, "", "The model definition protocol buffer text file.");
DEFINE_string(phase, "", "Optional; network phase (TRAIN or TEST). Only used for 'time'.");
DEFINE_int32(level, 0, "Optional; network level.");
DEFINE_string(stage, "", "Optional; network stages (not to be confused with phase), separated by ','.");
DEFINE_string(snapshot, "", "Optional; the snapshot solver state to resume training.");
DEFINE_string(weights, "",
              "Optional; the pretrained weights to initialize finetuning, separated by ','. "
              "Cannot be set simultaneously with snapshot.");
DEFINE_int32(iterations, 50, "The number of iterations to run (test, time; for train: max_iter).");
DEFINE_string(sigint_effect, "stop",
              "Optional; action to take when a SIGINT signal is received: snapshot, stop or none.");
DEFINE_string(sighup_effect, "snapshot",
              "Optional; action to take when a SIGHUP signal is received: snapshot, stop or none.");
DEFINE_string(sigterm_effect, "stop",
              "Optional; action to take when a SIGTERM signal is received: snapshot, stop or none "
              "(not in BVLC Caffe, where SIGTERM ends training at once).");

namespace {

using caffe::Caffe;
using caffe::Net;
namespace py = pybind11;

// Python layers. The first net that asks for layer type "Python" starts an embedded
// interpreter and imports pycaffe there, which registers the type in this process's layer
// registry (pycaffe's module links the same libcaffe). The modules that python_param
// names are then imported from sys.path, i.e. PYTHONPATH. The GIL is released right away:
// the Python layers take it around their own calls only.
class EmbeddedPython {
 public:
  static void StartFor(const std::string& type) {
    if (type != "Python" || interpreter_) return;
    interpreter_ = new py::scoped_interpreter(/*init_signal_handlers=*/false);
    std::string failure;
    try {
      try {
        py::module_::import("caffe");
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_ModuleNotFoundError)) throw;
        // pycaffe is not on PYTHONPATH: this checkout's own.
        py::module_::import("sys").attr("path").attr("append")(CAFFE_PYCAFFE_FALLBACK_DIR);
        py::module_::import("caffe");
      }
      if (!caffe::LayerRegistry<float>::Has("Python")) {
        failure = caffe::str_cat("the pycaffe found at ",
                                 py::str(py::module_::import("caffe").attr("__file__")).cast<std::string>(),
                                 " belongs to another build of Caffe; put this build's python/ folder "
                                 "first on PYTHONPATH");
      }
    } catch (py::error_already_set& e) {
      failure = caffe::str_cat("`import caffe` (pycaffe) failed in the embedded interpreter: ", e.what());
    }
    saved_ = PyEval_SaveThread();
    CAFFE_ENFORCE_AS(ParseError, failure.empty(), "layer type 'Python' needs pycaffe: ", failure);
    LOG(INFO) << "Python layers enabled (embedded Python " << Py_GetVersion() << ")";
  }

  // Ends the interpreter once every net (and with it every Python layer) is gone.
  static void Stop() {
    if (!interpreter_) return;
    PyEval_RestoreThread(saved_);
    delete interpreter_;
    interpreter_ = nullptr;
  }

 private:
  static inline py::scoped_interpreter* interpreter_ = nullptr;
  static inline PyThreadState* saved_ = nullptr;
};

// The device IDs named by -gpu, checked against the build and the machine.
std::vector<int> get_gpus() {
  std::vector<int> gpus;
  if (FLAGS_gpu.empty()) return gpus;
  CAFFE_ENFORCE_AS(DeviceError, Caffe::cuda_built(), "-gpu=", FLAGS_gpu,
                   ": this build of caffe has no CUDA support (rebuild with nvcc available)");
  const int count = Caffe::DeviceCount();
  CAFFE_ENFORCE_AS(DeviceError, count > 0, "-gpu=", FLAGS_gpu, ": no CUDA device is visible on this machine");
  if (FLAGS_gpu == "all") {
    for (int i = 0; i < count; ++i) gpus.push_back(i);
    return gpus;
  }
  std::stringstream list(FLAGS_gpu);
  std::string item;
  while (std::getline(list, item, ',')) {
    size_t used = 0;
    int id = -1;
    try {
      id = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    CAFFE_ENFORCE_AS(ParseError, used == item.size() && !item.empty(), "-gpu=", FLAGS_gpu,
                     ": expected device IDs separated by ',' or 'all'");
    CAFFE_ENFORCE_AS(DeviceError, id >= 0 && id < count, "-gpu=", FLAGS_gpu, ": device ", id,
                     " does not exist (this machine has ", count, " CUDA device(s))");
    gpus.push_back(id);
  }
  return gpus;
}

// Selects the device for single-device commands; several devices are not supported.
void use_devices(const std::vector<int>& gpus, const char* command) {
  if (gpus.empty()) {
    LOG(INFO) << "Use CPU.";
    Caffe::set_mode(Caffe::CPU);
    return;
  }
  CAFFE_ENFORCE_AS(DeviceError, gpus.size() == 1, "caffe ", command, " on several GPUs (-gpu=", FLAGS_gpu,
                   ") needs NCCL support, which this build lacks; pick one device, e.g. -gpu=", gpus[0]);
  LOG(INFO) << "Use GPU with device ID " << gpus[0];
  Caffe::set_device(gpus[0]);
  Caffe::set_mode(Caffe::GPU);
}

std::vector<std::string> get_stages() {
  std::vector<std::string> stages;
  std::stringstream list(FLAGS_stage);
  std::string item;
  while (std::getline(list, item, ',')) if (!item.empty()) stages.push_back(item);
  return stages;
}

caffe::Phase get_phase(caffe::Phase fallback) {
  if (FLAGS_phase.empty()) return fallback;
  if (FLAGS_phase == "TRAIN") return caffe::TRAIN;
  if (FLAGS_phase == "TEST") return caffe::TEST;
  CAFFE_THROW_AS(ParseError, "-phase=", FLAGS_phase, ": expected TRAIN or TEST");
}

bool flag_given(const char* name) {
  return !gflags::GetCommandLineFlagInfoOrDie(name).is_default;
}

int cmd_train() {
  CAFFE_ENFORCE_AS(ParseError, !FLAGS_solver.empty(), "train needs a solver definition: -solver=solver.prototxt");
  CAFFE_ENFORCE_AS(ParseError, FLAGS_snapshot.empty() || FLAGS_weights.empty(),
                   "give -snapshot to resume training or -weights to fine-tune, not both");
  const auto sigint_effect = caffe::SolverActionFromString(FLAGS_sigint_effect, "sigint_effect");
  const auto sighup_effect = caffe::SolverActionFromString(FLAGS_sighup_effect, "sighup_effect");
  const auto sigterm_effect = caffe::SolverActionFromString(FLAGS_sigterm_effect, "sigterm_effect");
  caffe::SolverParameter solver_param;
  caffe::ReadSolverParamsFromTextFile(FLAGS_solver, &solver_param);
  solver_param.mutable_train_state()->set_level(FLAGS_level);
  for (const auto& s : get_stages()) solver_param.mutable_train_state()->add_stage(s);
  if (flag_given("iterations")) solver_param.set_max_iter(FLAGS_iterations);

  // Without -gpu, the solver file may ask for the GPU; fall back to the CPU when there is none.
  if (FLAGS_gpu.empty() && solver_param.has_solver_mode() &&
      solver_param.solver_mode() == caffe::SolverParameter::GPU) {
    if (Caffe::DeviceCount() > 0) {
      FLAGS_gpu = std::to_string(solver_param.device_id());
    } else {
      LOG(WARNING) << FLAGS_solver << " asks for solver_mode: GPU, but no CUDA device is available; "
                   << "training on the CPU";
    }
  }
  use_devices(get_gpus(), "train");

  // Signals act at the end of an iteration: "stop" ends training there, writing the final
  // snapshot unless snapshot_after_train is false (as BVLC does); "snapshot" writes one and
  // goes on. A signal that arrives while the nets are built acts after the first iteration.
  caffe::SignalHandler signal_handler(sigint_effect, sighup_effect, sigterm_effect);
  if (!FLAGS_snapshot.empty()) {
    solver_param.clear_weights();
  } else if (!FLAGS_weights.empty()) {
    solver_param.clear_weights();
    solver_param.add_weights(FLAGS_weights);
  }
  std::unique_ptr<caffe::Solver<float>> solver = caffe::CreateSolver<float>(solver_param);
  solver->SetActionFunction(signal_handler.GetActionFunction());
  if (!FLAGS_snapshot.empty()) LOG(INFO) << "Resuming from " << FLAGS_snapshot;
  try {
    solver->Solve(FLAGS_snapshot);
  } catch (const std::exception&) {
    // Any error ends training, a snapshot that cannot be written (a full disk) included:
    // going on would only pile up work that cannot be saved. That error's line names the
    // last complete snapshot.
    if (solver->iter() > 0) LOG(ERROR) << "Training stopped at iteration " << solver->iter();
    throw;
  }
  return 0;
}

int cmd_test() {
  CAFFE_ENFORCE_AS(ParseError, !FLAGS_model.empty(), "test needs a model definition: -model=net.prototxt");
  CAFFE_ENFORCE_AS(ParseError, !FLAGS_weights.empty(), "test needs model weights to score: -weights=x.caffemodel");
  use_devices(get_gpus(), "test");
  const std::vector<std::string> stages = get_stages();
  Net<float> net(FLAGS_model, caffe::TEST, FLAGS_level, &stages);
  caffe::LoadNetWeights(&net, FLAGS_weights);
  LOG(INFO) << "Running for " << FLAGS_iterations << " iterations.";
  // The solver's test loop, logging every batch's outputs as BVLC's caffe test does.
  const caffe::NetScores<float> scores = caffe::ScoreNet<float>(
      &net, FLAGS_iterations, nullptr, [&net](int i, const std::vector<caffe::Blob<float>*>& result) {
        for (size_t j = 0; j < result.size(); ++j) {
          const std::string& name = net.blob_names()[net.output_blob_indices()[j]];
          for (int k = 0; k < result[j]->count(); ++k)
            LOG(INFO) << "Batch " << i << ", " << name << " = " << result[j]->cpu_data()[k];
        }
      });
  LOG(INFO) << "Loss: " << scores.loss;
  for (size_t i = 0; i < scores.mean.size(); ++i)
    LOG(INFO) << caffe::OutputLine(net, scores.output_of[i], scores.mean[i]);
  return 0;
}

// Wall-clock milliseconds of f, waiting for the GPU to finish in GPU mode.
double time_ms(const std::function<void()>& f) {
  auto sync = [] {
#ifdef USE_CUDA
    if (Caffe::mode() == Caffe::GPU) CUDA_CHECK(cudaDeviceSynchronize());
#endif
  };
  sync();
  const auto start = std::chrono::steady_clock::now();
  f();
  sync();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int cmd_time() {
  CAFFE_ENFORCE_AS(ParseError, !FLAGS_model.empty(), "time needs a model definition: -model=net.prototxt");
  CAFFE_ENFORCE_AS(ParseError, FLAGS_iterations > 0, "-iterations must be > 0, got ", FLAGS_iterations);
  use_devices(get_gpus(), "time");
  const std::vector<std::string> stages = get_stages();
  Net<float> net(FLAGS_model, get_phase(caffe::TRAIN), FLAGS_level, &stages);
  // One untimed pass warms up memory allocation (and the GPU).
  LOG(INFO) << "Performing Forward";
  float initial_loss;
  net.Forward(&initial_loss);
  LOG(INFO) << "Initial loss: " << initial_loss;
  LOG(INFO) << "Performing Backward";
  net.Backward();

  const auto& layers = net.layers();
  const int n = static_cast<int>(layers.size());
  std::vector<double> forward_ms(n, 0), backward_ms(n, 0);
  double forward_total = 0, backward_total = 0;
  LOG(INFO) << "*** Benchmark begins ***";
  LOG(INFO) << "Testing for " << FLAGS_iterations << " iterations.";
  const double total = time_ms([&] {
    for (int it = 0; it < FLAGS_iterations; ++it) {
      const double iter_ms = time_ms([&] {
        forward_total += time_ms([&] {
          for (int i = 0; i < n; ++i)
            forward_ms[i] += time_ms([&] { layers[i]->Forward(net.bottom_vecs()[i], net.top_vecs()[i]); });
        });
        backward_total += time_ms([&] {
          for (int i = n - 1; i >= 0; --i)
            backward_ms[i] += time_ms([&] {
              layers[i]->Backward(net.top_vecs()[i], net.bottom_need_backward()[i], net.bottom_vecs()[i]);
            });
        });
      });
      LOG(INFO) << "Iteration: " << it + 1 << " forward-backward time: " << iter_ms << " ms.";
    }
  });
  LOG(INFO) << "Average time per layer: ";
  for (int i = 0; i < n; ++i) {
    const std::string& name = net.layer_names()[i];
    LOG(INFO) << std::setfill(' ') << std::setw(10) << name << "\tforward: "
              << forward_ms[i] / FLAGS_iterations << " ms.";
    LOG(INFO) << std::setfill(' ') << std::setw(10) << name << "\tbackward: "
              << backward_ms[i] / FLAGS_iterations << " ms.";
  }
  LOG(INFO) << "Average Forward pass: " << forward_total / FLAGS_iterations << " ms.";
  LOG(INFO) << "Average Backward pass: " << backward_total / FLAGS_iterations << " ms.";
  LOG(INFO) << "Average Forward-Backward: " << total / FLAGS_iterations << " ms.";
  LOG(INFO) << "Total Time: " << total << " ms.";
  LOG(INFO) << "*** Benchmark ends ***";
  return 0;
}

int cmd_device_query() {
  CAFFE_ENFORCE_AS(ParseError, !FLAGS_gpu.empty(), "device_query needs a device: -gpu=0 (or -gpu=all)");
  for (int id : get_gpus()) {
    LOG(INFO) << "Querying GPU " << id;
    Caffe::set_device(id);
    Caffe::DeviceQuery();
  }
  return 0;
}

const std::map<std::string, std::function<int()>>& commands() {
  static const std::map<std::string, std::function<int()>> table = {
      {"train", cmd_train}, {"test", cmd_test}, {"time", cmd_time}, {"device_query", cmd_device_query}};
  return table;
}

std::string one_line(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  caffe::SetOpenMPDefaultsAndReexec(argv);
  gflags::SetUsageMessage(
      "command line brew\n"
      "usage: caffe <command> <args>\n\n"
      "commands:\n"
      "  train           train or finetune a model\n"
      "  test            score a model\n"
      "  device_query    show GPU diagnostic information\n"
      "  time            benchmark model execution time");
  gflags::SetVersionString(CAFFE_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  caffe::LayerRegistry<float>::SetUnknownTypeHandler(EmbeddedPython::StartFor);
  caffe::LayerRegistry<double>::SetUnknownTypeHandler(EmbeddedPython::StartFor);
  int status = 1;
  try {
    caffe::GlobalInit(&argc, &argv);
    caffe::Caffe::set_deterministic(FLAGS_deterministic);
    if (FLAGS_deterministic) {
      LOG(INFO) << "Deterministic mode: GPU scatter-adds sum exactly in fixed point";
    }
    if (!FLAGS_engine.empty()) {
      caffe::Caffe::set_default_cpu_engine(caffe::Caffe::parse_cpu_engine(FLAGS_engine));
    }
    const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
    const char* spin_count = std::getenv("GOMP_SPINCOUNT");
    LOG(INFO) << "OpenMP: " << omp_get_max_threads() << " threads (OMP_NUM_THREADS), "
              << "wait policy " << (wait_policy ? wait_policy : "(default)") << ", spin count "
              << (spin_count ? spin_count : "(default)");
    LOG(INFO) << "CPU engine: "
              << (Caffe::default_cpu_engine() == Caffe::ENGINE_DNNL ? "DNNL" : "CAFFE")
              << " (for layers whose engine field is DEFAULT)";
    if (argc != 2) {
      std::cerr << gflags::ProgramUsage() << "\n";
      CAFFE_THROW_AS(ParseError, argc < 2 ? std::string("no command given")
                                          : "expected one command, got " + std::to_string(argc - 1));
    }
    auto it = commands().find(argv[1]);
    CAFFE_ENFORCE_AS(ParseError, it != commands().end(), "unknown command '", argv[1],
                     "'; commands: train, test, time, device_query");
    status = it->second();
  } catch (const std::bad_alloc& e) {
    std::cerr << "caffe: out of memory (" << e.what() << ")" << std::endl;
    status = 1;
  } catch (const std::exception& e) {
    std::cerr << "caffe: " << one_line(e.what()) << std::endl;
    status = 1;
  }
  EmbeddedPython::Stop();
  return status;
}
