// Small checks shared by several layers; `where` is the layer's error prefix.
#pragma once

#include <string>

#include "caffe/blob.hpp"
#include "caffe/error.hpp"

namespace caffe {

// Maps an axis field (negative counts from the end) to [0, num_axes), or throws a
// ShapeError naming the field and the blob's shape.
template <typename Dtype>
int checked_axis(const std::string& where, const Blob<Dtype>& blob, int axis, const char* field) {
  const int n = blob.num_axes();
  CAFFE_ENFORCE_AS(ShapeError, axis >= -n && axis < n, where, field, " must be in [", -n, ", ", n,
                   ") for a bottom of shape ", blob.shape_string(), ", got ", axis);
  return axis < 0 ? axis + n : axis;
}

// Throws unless every label (rounded toward zero) is a class index in [0, num_classes)
// or the ignored label. Reads the labels on the host.
template <typename Dtype>
void check_class_labels(const std::string& where, const Blob<Dtype>& labels, int num_classes,
                        bool has_ignore, int ignore_label) {
  const Dtype* l = labels.cpu_data();
  for (int i = 0; i < labels.count(); ++i) {
    const int v = static_cast<int>(l[i]);
    if (has_ignore && v == ignore_label) continue;
    CAFFE_ENFORCE_AS(ShapeError, v >= 0 && v < num_classes, where, "label ", l[i], " at index ", i,
                     " is not a class index in [0, ", num_classes, ")");
  }
}

}  // namespace caffe
