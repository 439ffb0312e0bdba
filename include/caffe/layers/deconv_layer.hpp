// Deconvolution (transposed convolution): the forward pass is Convolution's backward data
// pass and vice versa, with the same convolution_param and a weight blob shaped
// in x out/group x kh x kw. Output size per axis:
//   stride*(in - 1) + dilation*(kernel - 1) + 1 - 2*pad.
#pragma once

#include "caffe/layers/base_conv_layer.hpp"

namespace caffe {

template <typename Dtype>
class DeconvolutionLayer : public BaseConvolutionLayer<Dtype> {
 public:
  explicit DeconvolutionLayer(const LayerParameter& param) : BaseConvolutionLayer<Dtype>(param) {}
  const char* type() const override { return "Deconvolution"; }

 protected:
  bool reverse_dimensions() const override { return true; }
  void compute_output_shape() override;
};

}  // namespace caffe
