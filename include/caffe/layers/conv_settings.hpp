// Reading the 2-D geometry settings of a ConvolutionParameter (Convolution, Deconvolution,
// Im2col): each is a repeated field (one value, or one per spatial axis) or a pair of
// _h / _w fields.
#pragma once

#include <cstdint>
#include <string>

#include "caffe/kernels/im2col.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

struct AxisSetting {
  const char* name;  // the repeated field's name; the pair is <base>_h / <base>_w
  const char* base;
  const google::protobuf::RepeatedField<uint32_t>& values;
  bool has_h, has_w;
  uint32_t h, w;
};

// out[0] (height) and out[1] (width) from the setting; `def` applies when neither form is
// given. Throws a ParseError (prefixed by `where`) for conflicting or excess values.
void parse_axis_setting(const AxisSetting& s, int def, const std::string& where, int out[2]);

// kernel, stride, pad and dilation of p, checked (kernel, stride and dilation positive).
struct ConvSettings {
  int kernel[2], stride[2], pad[2], dilation[2];
};
ConvSettings parse_conv_settings(const ConvolutionParameter& p, const std::string& where);

// Throws a ShapeError (prefixed by `where`) unless the im2col index arithmetic on g fits an
// int: the padded image side plus one stride, and the dilated kernel's extent, at most
// INT_MAX on both axes.
void check_col_geometry(const ConvGeometry& g, const std::string& where);

}  // namespace caffe
