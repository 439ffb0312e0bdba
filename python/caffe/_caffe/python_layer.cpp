// The "Python" layer type: a layer whose setup / reshape / forward / backward are methods
// of a Python class, a subclass of caffe.Layer, named by
//
//   python_param { module: "pyloss" layer: "EuclideanLossLayer" param_str: "..." }
//
// (the module is imported from sys.path, i.e. PYTHONPATH). pycaffe registers the type when
// it is imported; the `caffe` command imports pycaffe in its embedded interpreter the first
// time a net asks for the type. The GIL is taken only around the calls into Python, so
// the rest of a forward or backward pass (and a solver step) runs without it.
//
// Before setup() the Python object gets `param_str` (python_param.param_str), `phase`
// (caffe.TRAIN or caffe.TEST) and `blobs` (its parameter blobs; setup() may add some with
// self.blobs.add_blob(*shape), and they are saved, loaded and shared like any layer's).
// An exception raised by any of the methods becomes a PythonError (bindings.hpp) whose
// message names the layer and holds the Python traceback.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "caffe/layer_factory.hpp"

namespace caffe_py {

namespace {

template <typename Dtype>
class PythonLayer : public caffe::Layer<Dtype> {
 public:
  explicit PythonLayer(const caffe::LayerParameter& param)
      : caffe::Layer<Dtype>(param), link_(std::make_shared<LayerLink<Dtype>>()) {
    link_->layer = this;
  }
  ~PythonLayer() override { link_->layer = nullptr; }

  const char* type() const override { return "Python"; }

  void LayerSetUp(const std::vector<caffe::Blob<Dtype>*>& bottom,
                  const std::vector<caffe::Blob<Dtype>*>& top) override {
    py::gil_scoped_acquire gil;
    const caffe::PythonParameter& pp = this->layer_param_.python_param();
    CAFFE_ENFORCE_AS(ParseError, !pp.module().empty() && !pp.layer().empty(), this->where(),
                     "python_param needs `module` (a module on PYTHONPATH) and `layer` (a class "
                     "in it), got module '", pp.module(), "' and layer '", pp.layer(), "'");
    py::object cls;
    try {
      cls = py::module_::import(pp.module().c_str()).attr(pp.layer().c_str());
    } catch (py::error_already_set& e) {
      throw python_error(e, caffe::str_cat(this->where(), "cannot load class '", pp.layer(),
                                           "' from module '", pp.module(),
                                           "' (is the module's folder on PYTHONPATH?)"));
    }
    py::object self;
    try {
      self = cls();
      self.attr("param_str") = py::str(pp.param_str());
      self.attr("phase") = static_cast<int>(this->phase());
      self.attr("blobs") = BlobVec<Dtype>{nullptr, link_};
    } catch (py::error_already_set& e) {
      throw python_error(e, caffe::str_cat(this->where(), "creating ", pp.module(), ".",
                                           pp.layer(), "() failed"));
    }
    self_ = hold_python(self);
    call("setup", blob_list(bottom), blob_list(top));
  }

  void Reshape(const std::vector<caffe::Blob<Dtype>*>& bottom,
               const std::vector<caffe::Blob<Dtype>*>& top) override {
    py::gil_scoped_acquire gil;
    call("reshape", blob_list(bottom), blob_list(top));
  }

  // The Python object (None before setup).
  py::object object() const {
    return self_ ? *static_cast<py::object*>(self_.get()) : py::object(py::none());
  }

 protected:
  void Forward_cpu(const std::vector<caffe::Blob<Dtype>*>& bottom,
                   const std::vector<caffe::Blob<Dtype>*>& top) override {
    py::gil_scoped_acquire gil;
    call("forward", blob_list(bottom), blob_list(top));
  }
  void Backward_cpu(const std::vector<caffe::Blob<Dtype>*>& top,
                    const std::vector<bool>& propagate_down,
                    const std::vector<caffe::Blob<Dtype>*>& bottom) override {
    py::gil_scoped_acquire gil;
    call("backward", blob_list(top), py::cast(propagate_down), blob_list(bottom));
  }

 private:
  // The net's blobs as pycaffe Blob objects (they share the blobs' memory and ownership).
  static py::list blob_list(const std::vector<caffe::Blob<Dtype>*>& blobs) {
    py::list out;
    for (caffe::Blob<Dtype>* b : blobs) out.append(py::cast(b, py::return_value_policy::reference));
    return out;
  }

  template <typename... Args>
  void call(const char* method, Args&&... args) {
    const caffe::PythonParameter& pp = this->layer_param_.python_param();
    try {
      object().attr(method)(std::forward<Args>(args)...);
    } catch (py::error_already_set& e) {
      throw python_error(e, caffe::str_cat(this->where(), pp.module(), ".", pp.layer(), ".",
                                           method, "() raised an exception"));
    }
  }

  std::shared_ptr<LayerLink<Dtype>> link_;
  std::shared_ptr<void> self_;  // the Python object (hold_python)
};

template <typename Dtype>
std::unique_ptr<caffe::Layer<Dtype>> create_python_layer(const caffe::LayerParameter& param) {
  return std::make_unique<PythonLayer<Dtype>>(param);
}

template <typename Dtype>
py::object python_layer_object(const std::shared_ptr<caffe::Layer<Dtype>>& layer) {
  auto* py_layer = dynamic_cast<PythonLayer<Dtype>*>(layer.get());
  return py_layer ? py_layer->object() : py::object(py::none());
}

}  // namespace

PythonError python_error(py::error_already_set& e, const std::string& what) {
  std::string traceback;
  try {
    py::object lines = py::module_::import("traceback")
                           .attr("format_exception")(e.type(), e.value(), e.trace());
    for (py::handle line : lines) traceback += line.cast<std::string>();
    while (!traceback.empty() && traceback.back() == '\n') traceback.pop_back();
  } catch (const std::exception&) {
    traceback = e.what();
  }
  return PythonError(what + ":\n" + traceback, hold_python(e.value()));
}

void bind_python_layer(py::module_& m) {
  // One registration per process, whichever copy of the module gets there first.
  if (!caffe::LayerRegistry<float>::Has("Python")) {
    caffe::LayerRegistry<float>::Add("Python", create_python_layer<float>);
    caffe::LayerRegistry<double>::Add("Python", create_python_layer<double>);
  }
  m.def("_python_layer_object", &python_layer_object<float>, py::arg("layer"),
        "The Python object behind a Python layer; None for other layers.");
  m.def("_python_layer_object", &python_layer_object<double>, py::arg("layer"));
}

}  // namespace caffe_py
