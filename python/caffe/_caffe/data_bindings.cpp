// Data-layer helpers: MemoryData input arrays (Net.set_input_arrays), the time
// prefetching data layers spent waiting for batches (Net.data_wait_seconds), and the
// record databases the Data layer reads (LMDB, LevelDB), for caffe.io.DBWriter / read_db.
#include <pybind11/numpy.h>

#include <memory>
#include <string>

#include "bindings.hpp"
#include "caffe/layer.hpp"
#include "caffe/layers/base_data_layer.hpp"
#include "caffe/layers/memory_data_layer.hpp"
#include "caffe/util/db.hpp"

namespace caffe_py {

namespace {

template <typename Dtype>
void set_input_arrays(const std::shared_ptr<caffe::Layer<Dtype>>& layer, py::array data,
                      py::array labels) {
  auto mem = std::dynamic_pointer_cast<caffe::MemoryDataLayer<Dtype>>(layer);
  if (!mem) {
    throw caffe::ShapeError(caffe::str_cat("layer '", layer->name(), "' is a ", layer->type(),
                                           " layer; set_input_arrays needs a MemoryData layer"));
  }
  const char* want = sizeof(Dtype) == 4 ? "float32" : "float64";
  for (const auto& [name, arr] : {std::pair<const char*, py::array&>{"data", data},
                                  std::pair<const char*, py::array&>{"labels", labels}}) {
    if (!arr.dtype().is(py::dtype::of<Dtype>()))
      throw py::type_error(std::string(name) + " must be a " + want + " array (the net's dtype), got " +
                           std::string(py::str(arr.dtype())));
    if (!(arr.flags() & py::array::c_style))
      throw py::value_error(std::string(name) + " must be C-contiguous (use np.ascontiguousarray)");
  }
  if (data.ndim() != 4 || data.shape(1) != mem->channels() || data.shape(2) != mem->height() ||
      data.shape(3) != mem->width()) {
    std::string got = "(";
    for (int i = 0; i < data.ndim(); ++i) got += (i ? ", " : "") + std::to_string(data.shape(i));
    throw caffe::ShapeError(caffe::str_cat(
        "layer '", layer->name(), "' (MemoryData): data must have shape (N, ", mem->channels(),
        ", ", mem->height(), ", ", mem->width(), "), got ", got, ")"));
  }
  const py::ssize_t n = data.shape(0);
  if (labels.size() != n || (labels.ndim() != 1 && labels.ndim() != 4)) {
    throw caffe::ShapeError(caffe::str_cat("layer '", layer->name(), "' (MemoryData): labels must "
                                           "have shape (N,) or (N, 1, 1, 1) with N = ", n,
                                           " (the number of data items); got ", labels.size(),
                                           " values in ", labels.ndim(), " dimensions"));
  }
  mem->Reset(static_cast<const Dtype*>(data.data()), static_cast<const Dtype*>(labels.data()),
             static_cast<int>(n), hold_python(py::make_tuple(data, labels)));
}

template <typename Dtype>
py::object wait_stats(const std::shared_ptr<caffe::Layer<Dtype>>& layer) {
  auto pre = std::dynamic_pointer_cast<caffe::BasePrefetchingDataLayer<Dtype>>(layer);
  if (!pre) return py::none();
  py::dict d;
  d["wait_seconds"] = pre->wait_seconds();
  d["batches"] = pre->batches_served();
  return d;
}

}  // namespace

void bind_data(py::module_& m) {
  // Databases: a writer buffers records (put) and writes them in one transaction per
  // commit; a reader walks the records in key order. Errors are caffe.FileError /
  // caffe.ParseError (unknown backend), naming the database.
  py::class_<caffe::DBWriter>(m, "_DBWriter")
      .def(py::init([](const std::string& backend, const std::string& path) {
             return caffe::CreateDBWriter(backend, path);
           }),
           py::arg("backend"), py::arg("path"))
      .def("put", [](caffe::DBWriter& w, const py::bytes& key, const py::bytes& value) {
             w.Put(std::string(key), std::string(value));
           })
      .def("commit", [](caffe::DBWriter& w) {
             py::gil_scoped_release release;
             w.Commit();
           });
  py::class_<caffe::DBReader>(m, "_DBReader")
      .def(py::init([](const std::string& backend, const std::string& path) {
             return caffe::OpenDBReader(backend, path);
           }),
           py::arg("backend"), py::arg("path"))
      .def("seek_to_first", &caffe::DBReader::SeekToFirst)
      .def("next", &caffe::DBReader::Next)
      .def_property_readonly("valid", &caffe::DBReader::valid)
      .def("key", [](const caffe::DBReader& r) { return py::bytes(r.key()); })
      .def("value", [](const caffe::DBReader& r) {
        return py::bytes(static_cast<const char*>(r.value_data()), r.value_size());
      });

  m.def("_set_input_arrays", &set_input_arrays<float>, py::arg("layer"), py::arg("data"),
        py::arg("labels"));
  m.def("_set_input_arrays", &set_input_arrays<double>, py::arg("layer"), py::arg("data"),
        py::arg("labels"));
  m.def("_data_wait_stats", &wait_stats<float>, py::arg("layer"),
        "For a prefetching data layer: {'wait_seconds': s, 'batches': n}; None otherwise.");
  m.def("_data_wait_stats", &wait_stats<double>, py::arg("layer"));
}

}  // namespace caffe_py
