// Convolution: top[n, o, y, x] = bias[o] + sum over the input channels c of o's group and
// the kernel taps (i, j) of weight[o, c, i, j] *
//   bottom[n, c, y*stride_h - pad_h + i*dilation_h, x*stride_w - pad_w + j*dilation_w]
// (zero outside the image). Output size per axis:
//   (in + 2*pad - (dilation*(kernel-1) + 1)) / stride + 1, rounded down.
// Each bottom/top pair is convolved with the same weights. Computed as im2col + GEMM.
#pragma once

#include "caffe/layers/base_conv_layer.hpp"

namespace caffe {

template <typename Dtype>
class ConvolutionLayer : public BaseConvolutionLayer<Dtype> {
 public:
  explicit ConvolutionLayer(const LayerParameter& param) : BaseConvolutionLayer<Dtype>(param) {}
  const char* type() const override { return "Convolution"; }

 protected:
  bool reverse_dimensions() const override { return false; }
  void compute_output_shape() override;
};

}  // namespace caffe
