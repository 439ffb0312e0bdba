// Solver bindings (filled in by the training work).
#include "bindings.hpp"

namespace caffe_py {

void bind_solver(py::module_&) {}

}  // namespace caffe_py
