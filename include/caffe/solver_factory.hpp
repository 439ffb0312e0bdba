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

#define REGISTER_SOLVER_CLASS(type)                                                          \
  template <typename Dtype>                                                                  \
  std::unique_ptr<::caffe::Solver<Dtype>> Creator_##type##Solver(                            \
      const ::caffe::SolverParameter& param) {                                               \
    return std::unique_ptr<::caffe::Solver<Dtype>>(new type##Solver<Dtype>(param));          \
  }                                                                                          \
  static ::caffe::Registerer<::caffe::Solver<float>, ::caffe::SolverParameter>               \
      g_solver_f_##type(#type, Creator_##type##Solver<float>);                               \
  static ::caffe::Registerer<::caffe::Solver<double>, ::caffe::SolverParameter>              \
      g_solver_d_##type(#type, Creator_##type##Solver<double>)

}  // namespace caffe
