#include "caffe/solver_factory.hpp"

namespace caffe {

template <typename Dtype>
typename SolverRegistry<Dtype>::CreatorRegistry& SolverRegistry<Dtype>::Registry() {
  static CreatorRegistry registry;
  return registry;
}

template <typename Dtype>
void SolverRegistry<Dtype>::AddCreator(const std::string& type, Creator creator) {
  CreatorRegistry& registry = Registry();
  CAFFE_ENFORCE(registry.count(type) == 0, "solver type '", type, "' is registered twice");
  registry[type] = std::move(creator);
}

template <typename Dtype>
Solver<Dtype>* SolverRegistry<Dtype>::CreateSolver(const SolverParameter& in_param) {
  SolverParameter param(in_param);
  UpgradeSolverType(&param);
  CreatorRegistry& registry = Registry();
  auto it = registry.find(param.type());
  if (it == registry.end()) {
    std::string known;
    for (const auto& kv : registry) known += (known.empty() ? "" : ", ") + kv.first;
    CAFFE_THROW_AS(ParseError, "unknown solver type '", param.type(), "'; known types: ", known);
  }
  return it->second(param);
}

template <typename Dtype>
std::vector<std::string> SolverRegistry<Dtype>::SolverTypeList() {
  std::vector<std::string> types;
  for (const auto& kv : Registry()) types.push_back(kv.first);
  return types;
}

template class SolverRegistry<float>;
template class SolverRegistry<double>;

}  // namespace caffe
