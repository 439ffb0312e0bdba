// im2col / col2im for 2-D convolution: unfold an image (channels x height x width) into
// a column buffer so that convolution becomes one GEMM, and fold a column buffer back
// (summing overlaps). The index math is in kernels/im2col.hpp, shared with the GPU.
#pragma once

#include "caffe/kernels/im2col.hpp"

namespace caffe {

// Fills a ConvGeometry; out_h / out_w come from conv_out_size.
ConvGeometry make_conv_geometry(int channels, int height, int width, int kernel_h, int kernel_w,
                                int pad_h, int pad_w, int stride_h, int stride_w,
                                int dilation_h, int dilation_w);

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
