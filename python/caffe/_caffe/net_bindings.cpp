// Blob, Layer and Net for float32 and float64. Blob data and diff are exposed as numpy
// arrays that share the blob's host memory (reading .data syncs from the GPU first).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "caffe/blob.hpp"
#include "caffe/layer.hpp"
#include "caffe/net.hpp"
#include "caffe/util/io.hpp"

namespace caffe_py {

using caffe::Blob;
using caffe::Layer;
using caffe::Net;

namespace {

template <typename Dtype>
py::array blob_array(const std::shared_ptr<Blob<Dtype>>& blob, bool diff) {
  std::vector<py::ssize_t> shape(blob->shape().begin(), blob->shape().end());
  Dtype* ptr = diff ? blob->mutable_cpu_diff() : blob->mutable_cpu_data();
  // The array keeps the blob alive; it is a view, not a copy.
  return py::array_t<Dtype>(shape, ptr, py::cast(blob));
}

std::vector<int> shape_from_args(const py::args& args) {
  std::vector<int> shape;
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) {
    for (auto d : args[0]) shape.push_back(d.cast<int>());
  } else {
    for (auto d : args) shape.push_back(d.cast<int>());
  }
  return shape;
}

template <typename Dtype>
void bind_dtype(py::module_& m, const std::string& suffix) {
  using BlobT = Blob<Dtype>;
  using LayerT = Layer<Dtype>;
  using NetT = Net<Dtype>;

  py::class_<BlobT, std::shared_ptr<BlobT>>(m, ("Blob" + suffix).c_str())
      .def(py::init([](const py::args& args) { return std::make_shared<BlobT>(shape_from_args(args)); }))
      .def_property_readonly("shape", [](const BlobT& b) { return py::tuple(py::cast(b.shape())); })
      .def_property_readonly("num", &BlobT::num)
      .def_property_readonly("channels", &BlobT::channels)
      .def_property_readonly("height", &BlobT::height)
      .def_property_readonly("width", &BlobT::width)
      .def_property_readonly("count", py::overload_cast<>(&BlobT::count, py::const_))
      .def("reshape", [](BlobT& b, const py::args& args) { b.Reshape(shape_from_args(args)); },
           "Change the blob's shape: blob.reshape(n, c, h, w) or blob.reshape((n, c, h, w)).")
      .def_property_readonly("data", [](const std::shared_ptr<BlobT>& b) { return blob_array(b, false); })
      .def_property_readonly("diff", [](const std::shared_ptr<BlobT>& b) { return blob_array(b, true); })
      .def("__repr__", [](const BlobT& b) { return "<caffe.Blob shape " + b.shape_string() + ">"; });

  using BlobVecT = BlobVec<Dtype>;
  py::class_<BlobVecT>(m, ("BlobVec" + suffix).c_str())
      .def("__len__", [](const BlobVecT& v) { return v.blobs().size(); })
      .def("__getitem__", [](const BlobVecT& v, py::ssize_t i) {
        auto& blobs = v.blobs();
        const auto n = static_cast<py::ssize_t>(blobs.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) throw py::index_error("blob index out of range");
        return blobs[i];
      })
      .def("__iter__", [](const BlobVecT& v) { return py::iter(py::cast(v.blobs())); })
      .def("add_blob", [](const BlobVecT& v, const py::args& args) {
        v.blobs().push_back(std::make_shared<BlobT>(shape_from_args(args)));
      }, "Appends a new parameter blob of the given shape: add_blob(2, 3) or add_blob((2, 3)).")
      .def("__repr__", [](const BlobVecT& v) {
        return "<caffe.BlobVec of " + std::to_string(v.blobs().size()) + " blobs>";
      });

  py::class_<LayerT, std::shared_ptr<LayerT>>(m, ("Layer" + suffix).c_str())
      .def_property_readonly("type", [](const LayerT& l) { return std::string(l.type()); })
      .def_property_readonly("name", [](const LayerT& l) { return l.layer_param().name(); })
      .def_property_readonly("phase", [](const LayerT& l) { return static_cast<int>(l.phase()); })
      .def_property_readonly("blobs", [](const std::shared_ptr<LayerT>& l) {
        return BlobVecT{l, nullptr};
      }, "The layer's parameter blobs (a live view).")
      .def_property_readonly("cpu_engine", &LayerT::cpu_engine,
                             "CAFFE, or DNNL:<oneDNN implementation> for layers on oneDNN.")
      .def("reshape", [](LayerT&, py::args) {}, "Kept for compatibility; Net.reshape() reshapes.");

  py::class_<NetT, std::shared_ptr<NetT>>(m, ("Net" + suffix).c_str())
      .def(py::init([](const std::string& path, int phase, int level, py::object stages) {
             std::vector<std::string> st;
             const bool has = !stages.is_none();
             if (has) st = stages.cast<std::vector<std::string>>();
             return std::make_shared<NetT>(path, static_cast<caffe::Phase>(phase), level,
                                           has ? &st : nullptr);
           }),
           py::arg("path"), py::arg("phase"), py::arg("level") = 0, py::arg("stages") = py::none())
      .def_static("from_string", [](const std::string& text, int phase) {
             caffe::NetParameter param;
             caffe::ParseProtoFromText(text, &param, "<net definition string>");
             param.mutable_state()->set_phase(static_cast<caffe::Phase>(phase));
             return std::make_shared<NetT>(param);
           }, py::arg("text"), py::arg("phase"))
      .def("_forward", &NetT::ForwardFromTo, py::call_guard<py::gil_scoped_release>())
      .def("_backward", &NetT::BackwardFromTo, py::call_guard<py::gil_scoped_release>())
      .def("reshape", &NetT::Reshape, py::call_guard<py::gil_scoped_release>())
      .def("copy_from", py::overload_cast<const std::string&>(&NetT::CopyTrainedLayersFrom),
           py::arg("path"), "Load weights from a .caffemodel, matching layers by name.",
           py::call_guard<py::gil_scoped_release>())
      .def("share_with", &NetT::ShareTrainedLayersWith, py::arg("other"),
           "Use the other net's parameter memory for every layer of the same name.")
      .def("save", &NetT::Save, py::arg("path"), "Write the weights as a binary .caffemodel.",
           py::call_guard<py::gil_scoped_release>())
      .def("clear_param_diffs", &NetT::ClearParamDiffs, py::call_guard<py::gil_scoped_release>())
      .def("before_forward", [](NetT& n, py::object f) {
        auto hook = python_callback<int>(std::move(f), "net hook before_forward");
        py::gil_scoped_release release;  // the net's lock is taken without the GIL
        n.add_before_forward(std::move(hook));
      }, py::arg("hook"))
      .def("after_forward", [](NetT& n, py::object f) {
        auto hook = python_callback<int>(std::move(f), "net hook after_forward");
        py::gil_scoped_release release;  // the net's lock is taken without the GIL
        n.add_after_forward(std::move(hook));
      }, py::arg("hook"))
      .def("before_backward", [](NetT& n, py::object f) {
        auto hook = python_callback<int>(std::move(f), "net hook before_backward");
        py::gil_scoped_release release;  // the net's lock is taken without the GIL
        n.add_before_backward(std::move(hook));
      }, py::arg("hook"))
      .def("after_backward", [](NetT& n, py::object f) {
        auto hook = python_callback<int>(std::move(f), "net hook after_backward");
        py::gil_scoped_release release;  // the net's lock is taken without the GIL
        n.add_after_backward(std::move(hook));
      }, py::arg("hook"))
      .def("update", &NetT::Update, py::call_guard<py::gil_scoped_release>())
      .def("to_proto_string", [](const NetT& n, bool write_diff) {
             caffe::NetParameter p;
             {
               py::gil_scoped_release release;
               n.ToProto(&p, write_diff);
             }
             std::string bytes;
             p.SerializeToString(&bytes);
             return py::bytes(bytes);
           }, py::arg("write_diff") = false)
      .def_property_readonly("name", &NetT::name)
      .def_property_readonly("phase", [](const NetT& n) { return static_cast<int>(n.phase()); })
      .def_property_readonly("_blobs", [](const NetT& n) { return n.blobs(); })
      .def_property_readonly("_blob_names", &NetT::blob_names)
      .def_property_readonly("layers", [](const NetT& n) { return n.layers(); })
      .def_property_readonly("_layer_names", &NetT::layer_names)
      .def_property_readonly("_inputs", &NetT::input_blob_indices)
      .def_property_readonly("_outputs", &NetT::output_blob_indices)
      .def_property_readonly("_blob_loss_weights", &NetT::blob_loss_weights)
      .def_property_readonly("_layer_need_backward", &NetT::layer_need_backward)
      .def("_top_ids", &NetT::top_ids)
      .def("_bottom_ids", &NetT::bottom_ids)
      .def_property_readonly("_param_owners", &NetT::param_owners)
      .def_property_readonly("_param_layer_indices", &NetT::param_layer_indices);
}

}  // namespace

void bind_net(py::module_& m) {
  bind_dtype<float>(m, "_float32");
  bind_dtype<double>(m, "_float64");
  m.def("write_file_atomically", [](const std::string& filename, const py::bytes& contents) {
        std::string bytes = contents;
        py::gil_scoped_release release;
        caffe::WriteFileAtomically(filename, bytes);
      }, py::arg("filename"), py::arg("contents"),
      "Writes bytes to a file as snapshots are written: through a temporary file that is "
      "synced and renamed over it (FileError on failure, the file left as it was).");
}

}  // namespace caffe_py
