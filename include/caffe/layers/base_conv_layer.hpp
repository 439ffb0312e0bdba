// BaseConvolutionLayer: what Convolution (and a later Deconvolution) share -- parsing
// convolution_param (kernel/stride/pad/dilation in their square and _h/_w forms, group,
// bias), creating the weight (out x in/group x kh x kw) and bias blobs, and the per-image
// im2col + grouped GEMM steps. Subclasses say which side is the "image" of im2col
// (reverse_dimensions) and how the output size follows from the input.
// Two spatial axes (after the channel axis) are supported; N-d input raises ShapeError.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/im2col.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class BaseConvolutionLayer : public Layer<Dtype> {
 public:
  explicit BaseConvolutionLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  int MinBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  bool EqualNumBottomTopBlobs() const override { return true; }

 protected:
  // true when im2col runs on the top (deconvolution) rather than the bottom.
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // One pass for Convolution and Deconvolution: with reverse_dimensions() (Deconvolution)
  // the roles of bottom and top swap, so im2col works on the top.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    for (size_t i = 0; i < bottom.size(); ++i) {
      const Dtype* x = Side::data(bottom[i]);
      Dtype* y = Side::mutable_data(top[i]);
      for (int n = 0; n < num_; ++n) {
        if (reverse_dimensions()) {
          backward_gemm<Side>(x + n * bottom_dim_, weight, y + n * top_dim_);
        } else {
          forward_gemm<Side>(x + n * bottom_dim_, weight, y + n * top_dim_);
        }
        if (bias_term_) forward_bias<Side>(y + n * top_dim_, Side::data(this->blobs_[1].get()));
      }
    }
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    const bool weight_grad = this->param_propagate_down(0);
    const bool bias_grad = bias_term_ && this->param_propagate_down(1);
    const bool reverse = reverse_dimensions();
    for (size_t i = 0; i < top.size(); ++i) {
      const Dtype* dy = Side::diff(top[i]);
      if (bias_grad) {
        Dtype* db = Side::mutable_diff(this->blobs_[1].get());
        for (int n = 0; n < num_; ++n) backward_bias<Side>(db, dy + n * top_dim_);
      }
      if (!weight_grad && !propagate_down[i]) continue;
      const Dtype* x = Side::data(bottom[i]);
      Dtype* dw = weight_grad ? Side::mutable_diff(this->blobs_[0].get()) : nullptr;
      Dtype* dx = propagate_down[i] ? Side::mutable_diff(bottom[i]) : nullptr;
      for (int n = 0; n < num_; ++n) {
        const Dtype* xn = x + n * bottom_dim_;
        const Dtype* dyn = dy + n * top_dim_;
        if (weight_grad) {
          if (reverse) weight_gemm<Side>(dyn, xn, dw);
          else weight_gemm<Side>(xn, dyn, dw);
        }
        if (dx) {
          if (reverse) forward_gemm<Side>(dyn, weight, dx + n * bottom_dim_);
          else backward_gemm<Side>(dyn, weight, dx + n * bottom_dim_);
        }
      }
    }
  }

  virtual bool reverse_dimensions() const = 0;
  // Sets output_shape_ (the top's spatial sizes) from the bottom's; throws when empty.
  virtual void compute_output_shape() = 0;

  // One image's steps; pointers are to that image's slice, on Side's memory.
  // output = weights * im2col(input)
  template <class Side>
  void forward_gemm(const Dtype* input, const Dtype* weights, Dtype* output) {
    const Dtype* col = columns<Side>(input);
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasNoTrans, CblasNoTrans, conv_out_channels_ / group_, conv_out_spatial_dim_,
                 kernel_dim_, Dtype(1), weights + weight_offset_ * g, col + col_offset_ * g,
                 Dtype(0), output + output_offset_ * g);
    }
  }
  // output += bias (broadcast over space)
  template <class Side>
  void forward_bias(Dtype* output, const Dtype* bias) {
    Side::gemm(CblasNoTrans, CblasNoTrans, num_output_, out_spatial_dim_, 1, Dtype(1), bias,
               Side::data(&bias_multiplier_), Dtype(1), output);
  }
  // input_diff = col2im(weights^T * output_diff)
  template <class Side>
  void backward_gemm(const Dtype* output_diff, const Dtype* weights, Dtype* input_diff) {
    Dtype* col = is_1x1_ ? input_diff : Side::mutable_data(&col_buffer_);
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasTrans, CblasNoTrans, kernel_dim_, conv_out_spatial_dim_,
                 conv_out_channels_ / group_, Dtype(1), weights + weight_offset_ * g,
                 output_diff + output_offset_ * g, Dtype(0), col + col_offset_ * g);
    }
    if (!is_1x1_) Side::col2im(static_cast<const Dtype*>(col), col_geometry_, input_diff);
  }
  // weights_diff += output_diff * im2col(input)^T
  template <class Side>
  void weight_gemm(const Dtype* input, const Dtype* output_diff, Dtype* weights_diff) {
    const Dtype* col = columns<Side>(input);
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasNoTrans, CblasTrans, conv_out_channels_ / group_, kernel_dim_,
                 conv_out_spatial_dim_, Dtype(1), output_diff + output_offset_ * g,
                 col + col_offset_ * g, Dtype(1), weights_diff + weight_offset_ * g);
    }
  }
  // bias_diff += output_diff summed over space
  template <class Side>
  void backward_bias(Dtype* bias_diff, const Dtype* output_diff) {
    Side::gemv(CblasNoTrans, num_output_, out_spatial_dim_, Dtype(1), output_diff,
               Side::data(&bias_multiplier_), Dtype(1), bias_diff);
  }

  int input_height() const { return input_shape_[0]; }
  int input_width() const { return input_shape_[1]; }

  // Geometry from convolution_param (index 0: height, 1: width).
  int kernel_[2], stride_[2], pad_[2], dilation_[2];
  int channel_axis_ = 1, first_spatial_axis_ = 2;
  int num_ = 0;            // images: product of the axes before the channel axis
  int channels_ = 0;       // bottom channels
  int num_output_ = 0;
  int group_ = 1;
  bool bias_term_ = true;
  bool is_1x1_ = false;    // 1x1 kernel, stride 1, no pad: im2col is the identity
  int input_shape_[2] = {0, 0};  // bottom spatial sizes
  vector<int> output_shape_;     // top spatial sizes
  int bottom_dim_ = 0, top_dim_ = 0, out_spatial_dim_ = 0;

 private:
  int conv_in_channels_ = 0, conv_out_channels_ = 0;
  int kernel_dim_ = 0, weight_offset_ = 0, col_offset_ = 0, output_offset_ = 0;
  int conv_out_spatial_dim_ = 0;
  // The im2col columns of input: the col buffer filled from it, or input itself for 1x1.
  template <class Side>
  const Dtype* columns(const Dtype* input) {
    if (is_1x1_) return input;
    Dtype* buf = Side::mutable_data(&col_buffer_);
    Side::im2col(input, col_geometry_, buf);
    return buf;
  }

  ConvGeometry col_geometry_{};
  Blob<Dtype> col_buffer_;
  Blob<Dtype> bias_multiplier_;
};

}  // namespace caffe
