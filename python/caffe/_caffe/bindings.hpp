// Internal header of the pycaffe extension module: each bindings file adds its part.
#pragma once

#include <pybind11/pybind11.h>

namespace caffe_py {
namespace py = pybind11;

void bind_common(py::module_& m);
void bind_net(py::module_& m);
void bind_solver(py::module_& m);
void bind_data(py::module_& m);
void bind_reduce(py::module_& m);

}  // namespace caffe_py
