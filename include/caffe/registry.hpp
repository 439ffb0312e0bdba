// Registry<Base, Param>: maps a type string to a function that builds a Base from a
// Param. The layer registry (layer_factory.hpp: "Convolution" -> a ConvolutionLayer from
// a LayerParameter) and the solver registry (solver_factory.hpp: "Adam" -> an AdamSolver
// from a SolverParameter) are two instantiations of it. Classes register themselves from
// their .cpp files through a static Registerer (the REGISTER_*_CLASS macros).
//
// The members are defined and instantiated in registry.cpp only, so that the library
// and the Python module share one table per registry.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace caffe {

template <class Base, class Param>
class Registry {
 public:
  using Creator = std::function<std::unique_ptr<Base>(const Param&)>;

  // Registering a type twice is a programming error (two classes claiming one name).
  static void Add(const std::string& type, Creator creator);
  // Builds the object registered under `type`. An unknown type raises a ParseError that
  // starts with `what` (e.g. "layer 'conv1'") and lists the known types.
  static std::unique_ptr<Base> Create(const std::string& type, const Param& param,
                                      const std::string& what);
  // The registered types, sorted.
  static std::vector<std::string> Types();
  static bool Has(const std::string& type);
  // Called by Create with a type that is not registered, before it gives up: a program
  // that can provide types on demand registers them there (the `caffe` command starts its
  // embedded Python interpreter, whose pycaffe registers the "Python" layer type).
  static void SetUnknownTypeHandler(std::function<void(const std::string& type)> handler);

 private:
  static std::map<std::string, Creator>& Table();
  static std::function<void(const std::string&)>& UnknownTypeHandler();
};

template <class Base, class Param>
struct Registerer {
  Registerer(const std::string& type, typename Registry<Base, Param>::Creator creator) {
    Registry<Base, Param>::Add(type, std::move(creator));
  }
};

// In a .cpp file: registers Class<float> and Class<double> under the name `type` in the
// registries of Base<float> and Base<double> built from a Param.
#define CAFFE_REGISTER_CLASS(Base, Param, type, Class)                                       \
  template <typename Dtype>                                                                  \
  std::unique_ptr<::caffe::Base<Dtype>> Create_##Class(const ::caffe::Param& param) {        \
    return std::unique_ptr<::caffe::Base<Dtype>>(new Class<Dtype>(param));                   \
  }                                                                                          \
  static ::caffe::Registerer<::caffe::Base<float>, ::caffe::Param> g_register_f_##Class(     \
      #type, Create_##Class<float>);                                                         \
  static ::caffe::Registerer<::caffe::Base<double>, ::caffe::Param> g_register_d_##Class(    \
      #type, Create_##Class<double>)

}  // namespace caffe
