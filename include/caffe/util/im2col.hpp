// im2col / col2im for 2-D convolution: unfold an image (channels x height x width) into
// a column buffer so that convolution becomes one GEMM, and fold a column buffer back
// (summing overlaps). The CPU versions (util/im2col.cpp) work a row at a time; on the GPU,
// GpuSide::im2col / col2im (util/side.cuh) run the per-element functors of
// kernels/im2col.hpp.
#pragma once

#include "caffe/kernels/im2col.hpp"

namespace caffe {

template <typename Dtype>
void im2col_cpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col);
template <typename Dtype>
void col2im_cpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im);

}  // namespace caffe
