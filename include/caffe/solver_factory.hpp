// The solver registry: maps a solver type ("SGD", "Adam", ...) to a constructor, as the
// layer registry does for layers (registry.hpp). A solver registers itself in its .cpp
// with REGISTER_SOLVER_CLASS(Type), which expects a class named TypeSolver.
#pragma once

#include <memory>

#include "caffe/registry.hpp"
#include "caffe/solver.hpp"

namespace caffe {

template <typename Dtype>
using SolverRegistry = Registry<Solver<Dtype>, SolverParameter>;

// Builds the solver named by param.type() (or the legacy solver_type); an unknown type
// raises ParseError listing the known ones.
template <typename Dtype>
std::unique_ptr<Solver<Dtype>> CreateSolver(const SolverParameter& in_param) {
  SolverParameter param(in_param);
  UpgradeSolverType(&param);
  return SolverRegistry<Dtype>::Create(param.type(), param, "solver");
}

#define REGISTER_SOLVER_CLASS(type) \
  CAFFE_REGISTER_CLASS(Solver, SolverParameter, type, type##Solver)

}  // namespace caffe
