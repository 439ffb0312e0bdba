// im2col / col2im for 2-D convolution: unfold an image (channels x height x width) into
// a column buffer so that convolution becomes one GEMM, and fold a column buffer back
// (summing overlaps). The CPU versions (util/im2col.cpp) work a row at a time; the CUDA
// kernels run the per-element functors of kernels/im2col.hpp.
#pragma once

#include "caffe/kernels/im2col.hpp"

namespace caffe {

template <typename Dtype>
void im2col_cpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col);
template <typename Dtype>
void col2im_cpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im);

#ifdef USE_CUDA
template <typename Dtype>
void im2col_gpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col);
template <typename Dtype>
void col2im_gpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im);
#endif

}  // namespace caffe
