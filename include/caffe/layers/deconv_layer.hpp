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
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // Convolution's passes with the roles swapped: the top is im2col's image.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    for (size_t i = 0; i < bottom.size(); ++i) {
      const Dtype* x = Side::data(bottom[i]);
      Dtype* y = Side::mutable_data(top[i]);
      for (int n = 0; n < this->num_; ++n) {
        this->template backward_gemm<Side>(x + n * this->bottom_dim_, weight,
                                           y + n * this->top_dim_);
        if (this->bias_term_) {
          this->template forward_bias<Side>(y + n * this->top_dim_,
                                            Side::data(this->blobs_[1].get()));
        }
      }
    }
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    const bool weight_grad = this->param_propagate_down(0);
    const bool bias_grad = this->bias_term_ && this->param_propagate_down(1);
    for (size_t i = 0; i < top.size(); ++i) {
      const Dtype* dy = Side::diff(top[i]);
      if (bias_grad) {
        Dtype* db = Side::mutable_diff(this->blobs_[1].get());
        for (int n = 0; n < this->num_; ++n)
          this->template backward_bias<Side>(db, dy + n * this->top_dim_);
      }
      if (!weight_grad && !propagate_down[i]) continue;
      const Dtype* x = Side::data(bottom[i]);
      Dtype* dw = weight_grad ? Side::mutable_diff(this->blobs_[0].get()) : nullptr;
      Dtype* dx = propagate_down[i] ? Side::mutable_diff(bottom[i]) : nullptr;
      for (int n = 0; n < this->num_; ++n) {
        if (weight_grad)
          this->template weight_gemm<Side>(dy + n * this->top_dim_, x + n * this->bottom_dim_, dw);
        if (dx)
          this->template forward_gemm<Side>(dy + n * this->top_dim_, weight,
                                            dx + n * this->bottom_dim_);
      }
    }
  }
  bool reverse_dimensions() const override { return true; }
  void compute_output_shape() override;
};

}  // namespace caffe
