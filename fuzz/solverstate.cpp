// Fuzz target: a binary .solverstate restored into a small solver (Solver::Restore: the
// binary parse, the checks of the history against the solver and its net, the random
// generator's state, the weights file it names), then one training step from the restored
// state. The first input byte picks the solver type (SGD, Nesterov, AdaGrad, RMSProp,
// AdaDelta, Adam), the rest is the file. A learned_net naming a path with a folder is
// skipped; a bare name is looked up in the working folder and then beside the state file,
// where a valid weights.caffemodel of the net lies.
#include <memory>
#include <string>

#include "caffe/solver_factory.hpp"
#include "caffe/util/io.hpp"
#include "fuzz_common.hpp"

namespace {

const char* kSolver = R"(
base_lr: 0.01 momentum2: 0.999 delta: 1e-6 rms_decay: 0.98 weight_decay: 0.0005
lr_policy: "multistep" gamma: 0.5 stepvalue: 2 stepvalue: 4
max_iter: 10 random_seed: 3
net_param {
  name: "fuzz_state"
  layer { name: "data" type: "Input" top: "data" top: "label"
          input_param { shape { dim: 2 dim: 2 dim: 4 dim: 4 } shape { dim: 2 } } }
  layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 2 kernel_size: 3 weight_filler { type: "xavier" } } }
  layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip"
          inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 } } }
  layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
}
)";

const char* kTypes[] = {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"};

caffe::Solver<float>* TheSolver(int type) {
  static std::unique_ptr<caffe::Solver<float>> solvers[6];
  if (!solvers[type]) {
    caffe::SolverParameter param;
    caffe::ParseProtoFromText(kSolver, &param, "solverstate target solver");
    param.set_type(kTypes[type]);
    // As fuzz/make_corpus.py sets them for the seeds.
    if (type == 0 || type == 1 || type == 5) param.set_momentum(0.9f);
    if (param.type() == "AdaDelta") param.set_base_lr(1.0);
    solvers[type] = caffe::CreateSolver<float>(param);
    // The weights a state's learned_net may name (beside the state file).
    solvers[type]->net()->Save(fuzz::ScratchDir() + "/weights.caffemodel");
  }
  return solvers[type].get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  if (size < 1) return 0;
  caffe::Caffe::set_random_seed(1);
  caffe::Solver<float>* solver = TheSolver(data[0] % 6);
  caffe::SolverState peek;
  if (peek.ParseFromArray(data + 1, static_cast<int>(size - 1)) &&
      peek.learned_net().find('/') != std::string::npos)
    return 0;
  const std::string path = fuzz::WriteScratch("state.solverstate", data + 1, size - 1);
  fuzz::ExpectOnlyCaffeErrors([&] {
    solver->Restore(path);
    solver->Step(1);
  });
  return 0;
}
