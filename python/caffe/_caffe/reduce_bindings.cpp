// The CPU side's segmented reduction (CpuSide::reduce, kernels/segments.hpp), exposed
// for tests/test_segmented_reduction.py, which checks it against numpy.
#include <pybind11/numpy.h>

#include <string>

#include "bindings.hpp"
#include "caffe/error.hpp"
#include "caffe/util/side.hpp"

namespace caffe_py {

namespace {

template <typename Dtype>
using Array = py::array_t<Dtype, py::array::c_style | py::array::forcecast>;

// Reduces x (outer x dim x inner values) by segments `along` the middle axis or `across`
// it, with op "sum" (times scale, added to `out` when accumulating) or "max"; `out`
// holds the initial values and receives the result.
template <typename Dtype>
Array<Dtype> segment_reduce(Array<Dtype> x, int64_t outer, int64_t dim, int64_t inner,
                            const std::string& grouping, const std::string& op, double scale,
                            Array<Dtype> out, bool accumulate) {
  CAFFE_ENFORCE(x.size() == outer * dim * inner, "x has ", x.size(), " values, not ", outer,
                " x ", dim, " x ", inner);
  CAFFE_ENFORCE(grouping == "along" || grouping == "across", "grouping: along or across");
  CAFFE_ENFORCE(op == "sum" || op == "max", "op: sum or max");
  const caffe::kernels::Segments g = grouping == "along"
                                         ? caffe::kernels::Segments::along(outer, dim, inner)
                                         : caffe::kernels::Segments::across(outer, dim, inner);
  CAFFE_ENFORCE(out.size() == g.count, "out needs ", g.count, " values, got ", out.size());
  const caffe::kernels::Value<Dtype> term{x.data()};
  Dtype* y = out.mutable_data();
  {
    py::gil_scoped_release release;
    if (op == "sum") {
      caffe::CpuSide::segment_sum(g, term, y, static_cast<Dtype>(scale), accumulate);
    } else {
      caffe::CpuSide::segment_max(g, term, y);
    }
  }
  return out;
}

template <typename Dtype>
double total(Array<Dtype> x) {
  const Dtype* p = x.data();
  return caffe::CpuSide::total(x.size(), caffe::kernels::Value<Dtype>{p});
}

}  // namespace

void bind_reduce(py::module_& m) {
  const char* doc = "Test hook: CpuSide's segmented reduction over outer x dim x inner values.";
  m.def("_segment_reduce", &segment_reduce<float>, py::arg("x").noconvert(), py::arg("outer"),
        py::arg("dim"), py::arg("inner"), py::arg("grouping"), py::arg("op"), py::arg("scale"),
        py::arg("out").noconvert(), py::arg("accumulate"), doc);
  m.def("_segment_reduce", &segment_reduce<double>, py::arg("x").noconvert(), py::arg("outer"),
        py::arg("dim"), py::arg("inner"), py::arg("grouping"), py::arg("op"), py::arg("scale"),
        py::arg("out").noconvert(), py::arg("accumulate"), doc);
  m.def("_total", &total<float>, py::arg("x").noconvert(), "Test hook: CpuSide::total.");
  m.def("_total", &total<double>, py::arg("x").noconvert());
}

}  // namespace caffe_py
