// Internal header of the pycaffe extension module: each bindings file adds its part.
#pragma once

#include <pybind11/pybind11.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caffe/blob.hpp"
#include "caffe/error.hpp"
#include "caffe/layer.hpp"

namespace caffe_py {
namespace py = pybind11;

void bind_common(py::module_& m);
void bind_net(py::module_& m);
void bind_solver(py::module_& m);
void bind_data(py::module_& m);
void bind_reduce(py::module_& m);
void bind_python_layer(py::module_& m);

// Holds a Python object from C++ code that may run without the GIL; drops the reference
// under the GIL (or leaks it when the interpreter is already gone, harmless at exit).
inline std::shared_ptr<void> hold_python(py::object obj) {
  return std::shared_ptr<void>(new py::object(std::move(obj)), [](void* p) {
    auto* o = static_cast<py::object*>(p);
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    delete o;
  });
}

// An exception message as a Python str; bytes that are not UTF-8 (a file name or prototxt
// text quoted in the message) appear as \xNN escapes instead of failing the conversion.
inline py::object message_str(const char* what) {
  PyObject* msg = PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)),
                                       "backslashreplace");
  if (msg == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(msg);
}

// A Python exception raised by user code that the library called back (a Python layer, a
// net hook, a solver callback), carried through the C++ code as a caffe::Error. Its message
// says what raised and holds the Python traceback; pycaffe raises it as caffe.CaffeError
// with the original exception as __cause__ (bind_common's translator).
class PythonError : public caffe::Error {
 public:
  PythonError(const std::string& what, std::shared_ptr<void> original)
      : caffe::Error(what), original_(std::move(original)) {}
  // The Python exception object, or None; call with the GIL held.
  py::object original() const {
    if (!original_) return py::none();
    return *static_cast<py::object*>(original_.get());
  }

 private:
  std::shared_ptr<void> original_;  // hold_python
};

// `what`, then the traceback as Python prints it; call with the GIL held.
PythonError python_error(py::error_already_set& e, const std::string& what);

// f wrapped for C++ callers that may not hold the GIL: the call takes it, and an exception
// f raises becomes a PythonError that starts with `what`.
template <typename... Args>
std::function<void(Args...)> python_callback(py::object f, std::string what) {
  auto held = hold_python(std::move(f));
  return [held, what](Args... args) {
    py::gil_scoped_acquire gil;
    try {
      (*static_cast<py::object*>(held.get()))(args...);
    } catch (py::error_already_set& e) {
      throw python_error(e, what);
    }
  };
}

// Where a Python layer's C++ half can be reached from Python objects that may outlive it:
// the layer clears `layer` when it is destroyed, so a stale `self.blobs` raises instead of
// reading freed memory, and no reference cycle runs through the C++ layer.
template <typename Dtype>
struct LayerLink {
  caffe::Layer<Dtype>* layer = nullptr;
};

// A live view of a layer's parameter blobs (`layer.blobs`, a Python layer's `self.blobs`):
// indexing, len, iteration, and add_blob(*shape) to create one (what a Python layer's
// setup() does). It keeps an ordinary layer alive, and refers to a Python layer through
// its LayerLink.
template <typename Dtype>
struct BlobVec {
  std::shared_ptr<caffe::Layer<Dtype>> owner;
  std::shared_ptr<LayerLink<Dtype>> link;

  std::vector<std::shared_ptr<caffe::Blob<Dtype>>>& blobs() const {
    caffe::Layer<Dtype>* l = owner ? owner.get() : link->layer;
    if (l == nullptr) {
      throw caffe::Error("the blobs of a Python layer whose net no longer exists");
    }
    return l->blobs();
  }
};

}  // namespace caffe_py
