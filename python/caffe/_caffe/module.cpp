// The compiled half of pycaffe (`caffe._caffe`); python/caffe/pycaffe.py builds the
// user-facing classes on top of it.
#include "bindings.hpp"

PYBIND11_MODULE(_caffe, m) {
  m.doc() = "Compiled core of pycaffe; use the `caffe` package instead.";
  caffe_py::bind_common(m);
  caffe_py::bind_net(m);
  caffe_py::bind_solver(m);
  caffe_py::bind_data(m);
  caffe_py::bind_reduce(m);
  caffe_py::bind_python_layer(m);
}
