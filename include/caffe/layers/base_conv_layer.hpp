// BaseConvolutionLayer: what Convolution and Deconvolution share -- parsing
// convolution_param (kernel/stride/pad/dilation in their square and _h/_w forms, group,
// bias, engine), creating the weight (out x in/group x kh x kw) and bias blobs, and the
// passes. Subclasses say which side is the "image" of the convolution
// (reverse_dimensions) and how the output size follows from the input.
// Two spatial axes (after the channel axis) are supported; N-d input raises ShapeError.
//
// Engines: the portable pass (im2col + grouped GEMM per image, written once over
// CpuSide / GpuSide; on the CPU images run in parallel) serves the GPU, double nets and
// `engine: CAFFE`; float nets on the CPU run on oneDNN (DnnlConvolution) when the engine
// resolves to DNNL and oneDNN has an optimised implementation for the shape.
#pragma once

#include <memory>

#include "caffe/engines/dnnl_convolution.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/im2col.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class BaseConvolutionLayer : public Layer<Dtype> {
 public:
  explicit BaseConvolutionLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Its passes read the input while writing the output: never in place.
  bool AllowInPlace() const override { return false; }
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  int MinBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  bool EqualNumBottomTopBlobs() const override { return true; }
  // The CPU engine this layer runs on: "CAFFE", or "DNNL:<oneDNN implementation>".
  std::string cpu_engine() const override;

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    if (!ForwardDnnl(bottom, top)) ForwardOn<CpuSide>(bottom, top);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override {
    if (!BackwardDnnl(top, propagate_down, bottom)) BackwardOn<CpuSide>(top, propagate_down, bottom);
  }
  CAFFE_DECLARE_GPU_PASSES(Dtype)

  // The portable passes, one for Convolution and Deconvolution: with reverse_dimensions()
  // (Deconvolution) the roles of bottom and top swap, so im2col works on the top.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* weight = Side::data(this->blobs_[0].get());
    const Dtype* bias = bias_term_ ? Side::data(this->blobs_[1].get()) : nullptr;
    Dtype* cols = col_buffers<Side>();
    for (size_t i = 0; i < bottom.size(); ++i) {
      const Dtype* x = Side::data(bottom[i]);
      Dtype* y = Side::mutable_data(top[i]);
      Side::for_items(num_, image_flops(), [&](int n, int slot) {
        Dtype* col = cols + slot * col_size();
        if (reverse_dimensions()) {
          backward_gemm<Side>(x + n * bottom_dim_, weight, y + n * top_dim_, col);
        } else {
          forward_gemm<Side>(x + n * bottom_dim_, weight, y + n * top_dim_, col);
        }
        if (bias) forward_bias<Side>(y + n * top_dim_, bias);
      });
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
      Dtype* dx = propagate_down[i] ? Side::mutable_diff(bottom[i]) : nullptr;
      Dtype* cols = col_buffers<Side>();
      // Each slot (thread) adds its images' weight gradients to its own copy; slot 0's
      // copy is the parameter diff itself, the others are summed into it afterwards.
      const int wcount = this->blobs_[0]->count();
      Dtype* dw = weight_grad ? Side::mutable_diff(this->blobs_[0].get()) : nullptr;
      Dtype* partial = weight_grad ? weight_partials<Side>() : nullptr;
      const int used = Side::slots();
      if (partial && used > 1) Side::set((used - 1) * wcount, Dtype(0), partial);
      Side::for_items(num_, 2 * image_flops(), [&](int n, int slot) {
        Dtype* col = cols + slot * col_size();
        const Dtype* xn = x + n * bottom_dim_;
        const Dtype* dyn = dy + n * top_dim_;
        if (dw) {
          Dtype* dw_slot = slot == 0 ? dw : partial + (slot - 1) * wcount;
          if (reverse) weight_gemm<Side>(dyn, xn, dw_slot, col);
          else weight_gemm<Side>(xn, dyn, dw_slot, col);
        }
        if (dx) {
          if (reverse) forward_gemm<Side>(dyn, weight, dx + n * bottom_dim_, col);
          else backward_gemm<Side>(dyn, weight, dx + n * bottom_dim_, col);
        }
      });
      for (int s = 1; dw && s < used; ++s) Side::axpy(wcount, Dtype(1), partial + (s - 1) * wcount, dw);
    }
  }

  virtual bool reverse_dimensions() const = 0;
  // Sets output_shape_ (the top's spatial sizes) from the bottom's; throws when empty.
  virtual void compute_output_shape() = 0;

  // One image's steps; pointers are to that image's slice, on Side's memory, and col is
  // the calling slot's column buffer.
  // output = weights * im2col(input)
  template <class Side>
  void forward_gemm(const Dtype* input, const Dtype* weights, Dtype* output, Dtype* col) {
    const Dtype* cols = columns<Side>(input, col);
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasNoTrans, CblasNoTrans, conv_out_channels_ / group_, conv_out_spatial_dim_,
                 kernel_dim_, Dtype(1), weights + weight_offset_ * g, cols + col_offset_ * g,
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
  void backward_gemm(const Dtype* output_diff, const Dtype* weights, Dtype* input_diff, Dtype* col) {
    if (is_1x1_) col = input_diff;
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasTrans, CblasNoTrans, kernel_dim_, conv_out_spatial_dim_,
                 conv_out_channels_ / group_, Dtype(1), weights + weight_offset_ * g,
                 output_diff + output_offset_ * g, Dtype(0), col + col_offset_ * g);
    }
    if (!is_1x1_) Side::col2im(static_cast<const Dtype*>(col), col_geometry_, input_diff);
  }
  // weights_diff += output_diff * im2col(input)^T
  template <class Side>
  void weight_gemm(const Dtype* input, const Dtype* output_diff, Dtype* weights_diff, Dtype* col) {
    const Dtype* cols = columns<Side>(input, col);
    for (int g = 0; g < group_; ++g) {
      Side::gemm(CblasNoTrans, CblasTrans, conv_out_channels_ / group_, kernel_dim_,
                 conv_out_spatial_dim_, Dtype(1), output_diff + output_offset_ * g,
                 cols + col_offset_ * g, Dtype(1), weights_diff + weight_offset_ * g);
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
  // The im2col columns of input: col filled from it, or input itself for 1x1.
  template <class Side>
  const Dtype* columns(const Dtype* input, Dtype* col) {
    if (is_1x1_) return input;
    Side::im2col(input, col_geometry_, col);
    return col;
  }
  // Elements of one column buffer, and multiply-adds of one image's forward GEMMs.
  int64_t col_size() const { return is_1x1_ ? 0 : static_cast<int64_t>(kernel_dim_) * group_ * conv_out_spatial_dim_; }
  int64_t image_flops() const {
    return static_cast<int64_t>(kernel_dim_) * conv_out_channels_ * conv_out_spatial_dim_;
  }
  // One column buffer per slot of Side (grown on demand, kept between passes).
  template <class Side>
  Dtype* col_buffers() {
    const int64_t need = col_size() * Side::slots();
    if (need == 0) return nullptr;
    LAYER_ENFORCE(need <= INT_MAX, "the im2col buffers of its ", Side::slots(), " threads would "
                  "hold ", need, " elements, more than the ", INT_MAX, " a blob can hold");
    if (col_buffer_.count() < need) col_buffer_.Reshape(vector<int>{static_cast<int>(need)});
    return Side::mutable_data(&col_buffer_);
  }
  // Weight-gradient copies for slots 1.. (slot 0 adds to the parameter diff directly).
  template <class Side>
  Dtype* weight_partials() {
    const int64_t need = static_cast<int64_t>(this->blobs_[0]->count()) * (Side::slots() - 1);
    if (need == 0) return nullptr;
    LAYER_ENFORCE(need <= INT_MAX, "the weight-gradient copies of its ", Side::slots(),
                  " threads would hold ", need, " elements, more than the ", INT_MAX,
                  " a blob can hold");
    if (weight_partials_.count() < need) weight_partials_.Reshape(vector<int>{static_cast<int>(need)});
    return Side::mutable_data(&weight_partials_);
  }

  // The oneDNN engine's passes (base_conv_layer.cpp); false when the layer does not run
  // on it (double nets, engine CAFFE, builds without oneDNN, shapes it has no fast code for).
  bool ForwardDnnl(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top);
  bool BackwardDnnl(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom);
  // Creates or updates dnnl_ for the current shape when the engine is DNNL.
  void prepare_dnnl();
  // Convolution's backward pass on the portable code although forward runs on oneDNN
  // (DnnlConvolution::portable_backward; Deconvolution's passes are swapped: never).
  bool dnnl_backward_is_portable() const {
    return dnnl_ && !reverse_dimensions() && dnnl_->portable_backward();
  }
  // Where the weight gradient goes when only the bias learns (oneDNN computes both).
  float* weight_sink() {
    weight_partials_.Reshape(this->blobs_[0]->shape());
    return reinterpret_cast<float*>(weight_partials_.mutable_cpu_data());
  }
  bool use_dnnl_ = false;                 // the engine resolved to DNNL at set-up
  std::unique_ptr<DnnlConvolution> dnnl_;  // prepared for the current shape, or null

  ConvGeometry col_geometry_{};
  Blob<Dtype> col_buffer_;
  Blob<Dtype> weight_partials_;
  Blob<Dtype> bias_multiplier_;
};

}  // namespace caffe
