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
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    for (size_t i = 0; i < bottom.size(); ++i) {
      const Dtype* x = Side::data(bottom[i]);
      Dtype* y = Side::mutable_data(top[i]);
      for (int n = 0; n < this->num_; ++n) {
        this->template forward_gemm<Side>(x + n * this->bottom_dim_, weight,
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
          this->template weight_gemm<Side>(x + n * this->bottom_dim_, dy + n * this->top_dim_, dw);
        if (dx)
          this->template backward_gemm<Side>(dy + n * this->top_dim_, weight,
                                             dx + n * this->bottom_dim_);
      }
    }
  }
  bool reverse_dimensions() const override { return false; }
  void compute_output_shape() override;
};

}  // namespace caffe
