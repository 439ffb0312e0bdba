// Fuzz target: solver prototxt text -> SolverParameter -> a solver of its type (the legacy
// solver_type upgrade, the checks of the solver's fields, its training and test nets built
// from net_param / train_net_param / test_net_param) -> one training step (tests, learning
// rate policy, update rule, snapshot into the scratch folder). Skipped: solvers that name
// files (nets, weights; snapshot_prefix is replaced by the scratch folder), nets outside
// fuzz_common.hpp's limits, more than 8 test iterations or iter_size above 8, nets with more
// than kMaxNetElements elements.
#include <memory>
#include <string>

#include "caffe/solver_factory.hpp"
#include "caffe/util/io.hpp"
#include "fuzz_common.hpp"

namespace {

template <typename Dtype>
int64_t SolverElements(const caffe::Solver<Dtype>& solver) {
  int64_t total = fuzz::NetElements(*solver.net());
  for (const auto& t : solver.test_nets()) total += fuzz::NetElements(*t);
  return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  caffe::Caffe::set_random_seed(1);
  const std::string text(reinterpret_cast<const char*>(data), size);
  caffe::SolverParameter param;
  try {
    caffe::ParseProtoFromText(text, &param, "fuzz input");
  } catch (const caffe::ParseError&) {
    return 0;
  }
  param.clear_snapshot_prefix();
  if (!fuzz::SolverWithinLimits(param)) return 0;
  for (int it : param.test_iter())
    if (it > 8) return 0;
  if (param.iter_size() > 8) return 0;
  param.set_snapshot_prefix(fuzz::ScratchDir() + "/snapshot");
  fuzz::ExpectOnlyCaffeErrors([&] {
    std::unique_ptr<caffe::Solver<float>> solver = caffe::CreateSolver<float>(param);
    if (SolverElements(*solver) > fuzz::kMaxNetElements) return;
    solver->Step(1);
  });
  return 0;
}
