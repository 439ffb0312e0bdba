#include "caffe/registry.hpp"

#include "caffe/error.hpp"
#include "caffe/layer.hpp"
#include "caffe/solver.hpp"

namespace caffe {

template <class Base, class Param>
std::map<std::string, typename Registry<Base, Param>::Creator>& Registry<Base, Param>::Table() {
  static std::map<std::string, Creator> table;
  return table;
}

template <class Base, class Param>
void Registry<Base, Param>::Add(const std::string& type, Creator creator) {
  CAFFE_ENFORCE(Table().count(type) == 0, "type '", type, "' is registered twice");
  Table()[type] = std::move(creator);
}

template <class Base, class Param>
std::unique_ptr<Base> Registry<Base, Param>::Create(const std::string& type, const Param& param,
                                                    const std::string& what) {
  auto it = Table().find(type);
  if (it == Table().end() && UnknownTypeHandler()) {
    UnknownTypeHandler()(type);
    it = Table().find(type);
  }
  if (it == Table().end()) {
    std::string known;
    for (const auto& kv : Table()) known += (known.empty() ? "" : ", ") + kv.first;
    CAFFE_THROW_AS(ParseError, what, " has unknown type '", type, "'; known types: ", known);
  }
  return it->second(param);
}

template <class Base, class Param>
std::function<void(const std::string&)>& Registry<Base, Param>::UnknownTypeHandler() {
  static std::function<void(const std::string&)> handler;
  return handler;
}

template <class Base, class Param>
void Registry<Base, Param>::SetUnknownTypeHandler(std::function<void(const std::string&)> handler) {
  UnknownTypeHandler() = std::move(handler);
}

template <class Base, class Param>
bool Registry<Base, Param>::Has(const std::string& type) {
  return Table().count(type) > 0;
}

template <class Base, class Param>
std::vector<std::string> Registry<Base, Param>::Types() {
  std::vector<std::string> types;
  for (const auto& kv : Table()) types.push_back(kv.first);
  return types;
}

template class Registry<Layer<float>, LayerParameter>;
template class Registry<Layer<double>, LayerParameter>;
template class Registry<Solver<float>, SolverParameter>;
template class Registry<Solver<double>, SolverParameter>;

}  // namespace caffe
