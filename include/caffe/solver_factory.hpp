// The solver registry: maps a solver type ("SGD", "Adam", ...) to a creator, as the
// layer registry does for layers. A solver registers itself in its .cpp with
// REGISTER_SOLVER_CLASS(Type), which expects a class named TypeSolver.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "caffe/solver.hpp"

namespace caffe {

template <typename Dtype>
class SolverRegistry {
 public:
  using Creator = std::function<Solver<Dtype>*(const SolverParameter&)>;
  using CreatorRegistry = std::map<std::string, Creator>;

  static CreatorRegistry& Registry();
  static void AddCreator(const std::string& type, Creator creator);
  // Builds the solver named by param.type() (or the legacy solver_type); an unknown
  // type raises ParseError listing the known ones.
  static Solver<Dtype>* CreateSolver(const SolverParameter& param);
  static std::vector<std::string> SolverTypeList();
};

template <typename Dtype>
struct SolverRegisterer {
  SolverRegisterer(const std::string& type, typename SolverRegistry<Dtype>::Creator creator) {
    SolverRegistry<Dtype>::AddCreator(type, std::move(creator));
  }
};

#define REGISTER_SOLVER_CLASS(type)                                                           \
  static ::caffe::SolverRegisterer<float> g_solver_f_##type(                                  \
      #type, [](const ::caffe::SolverParameter& p) -> ::caffe::Solver<float>* {               \
        return new type##Solver<float>(p);                                                    \
      });                                                                                     \
  static ::caffe::SolverRegisterer<double> g_solver_d_##type(                                 \
      #type, [](const ::caffe::SolverParameter& p) -> ::caffe::Solver<double>* {              \
        return new type##Solver<double>(p);                                                   \
      })

}  // namespace caffe
