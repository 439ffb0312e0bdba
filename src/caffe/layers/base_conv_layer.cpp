#include "caffe/layers/base_conv_layer.hpp"

#include "caffe/filler.hpp"
#include "caffe/layers/conv_settings.hpp"
#include "caffe/util/engine.hpp"

namespace caffe {

void parse_axis_setting(const AxisSetting& s, int def, const std::string& where, int out[2]) {
  if (s.has_h || s.has_w) {
    CAFFE_ENFORCE_AS(ParseError, s.values.size() == 0, where, "give either ", s.name, " or ",
                     s.base, "_h/", s.base, "_w, not both");
    CAFFE_ENFORCE_AS(ParseError, s.has_h && s.has_w, where, s.base, "_h and ", s.base,
                     "_w must be given together");
    CAFFE_ENFORCE_AS(ParseError, s.h <= INT_MAX && s.w <= INT_MAX, where, s.base, "_h/", s.base,
                     "_w (", s.h, ", ", s.w, ") must be at most ", INT_MAX);
    out[0] = static_cast<int>(s.h);
    out[1] = static_cast<int>(s.w);
    return;
  }
  const int n = s.values.size();
  CAFFE_ENFORCE_AS(ParseError, n <= 2, where, s.name, " takes one value or one per spatial axis (2), got ", n);
  for (int i = 0; i < 2; ++i) {
    const uint32_t v = n == 0 ? def : s.values.Get(n == 1 ? 0 : i);
    CAFFE_ENFORCE_AS(ParseError, v <= INT_MAX, where, s.name, " ", v, " is larger than ", INT_MAX);
    out[i] = static_cast<int>(v);
  }
}

void check_col_geometry(const ConvGeometry& g, const std::string& where) {
  const int64_t in[2] = {g.height, g.width}, kernel[2] = {g.kernel_h, g.kernel_w};
  const int64_t pad[2] = {g.pad_h, g.pad_w}, stride[2] = {g.stride_h, g.stride_w};
  const int64_t dilation[2] = {g.dilation_h, g.dilation_w};
  static const char* axis_name[2] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    const int64_t extent = dilation[i] * (kernel[i] - 1) + 1;
    CAFFE_ENFORCE_AS(ShapeError, in[i] + 2 * pad[i] + stride[i] <= INT_MAX && extent <= INT_MAX,
                     where, "the ", axis_name[i], " geometry (image ", in[i], ", pad ", pad[i],
                     ", stride ", stride[i], ", kernel ", kernel[i], ", dilation ", dilation[i],
                     ") is too large: image + 2*pad + stride and the dilated kernel must be at "
                     "most ", INT_MAX);
  }
}

ConvSettings parse_conv_settings(const ConvolutionParameter& p, const std::string& where) {
  CAFFE_ENFORCE_AS(ParseError, p.kernel_size_size() > 0 || p.has_kernel_h() || p.has_kernel_w(),
                   where, "convolution_param needs kernel_size or kernel_h and kernel_w");
  ConvSettings c;
  parse_axis_setting({"kernel_size", "kernel", p.kernel_size(), p.has_kernel_h(), p.has_kernel_w(),
                      p.kernel_h(), p.kernel_w()}, 0, where, c.kernel);
  parse_axis_setting({"stride", "stride", p.stride(), p.has_stride_h(), p.has_stride_w(),
                      p.stride_h(), p.stride_w()}, 1, where, c.stride);
  parse_axis_setting({"pad", "pad", p.pad(), p.has_pad_h(), p.has_pad_w(), p.pad_h(), p.pad_w()},
                     0, where, c.pad);
  parse_axis_setting({"dilation", "dilation", p.dilation(), false, false, 0, 0}, 1, where,
                     c.dilation);
  for (int i = 0; i < 2; ++i) {
    CAFFE_ENFORCE_AS(ParseError, c.kernel[i] > 0, where, "kernel sizes must be positive, got ",
                     c.kernel[0], "x", c.kernel[1]);
    CAFFE_ENFORCE_AS(ParseError, c.stride[i] > 0, where, "strides must be positive, got ",
                     c.stride[0], "x", c.stride[1]);
    CAFFE_ENFORCE_AS(ParseError, c.dilation[i] > 0, where, "dilations must be positive, got ",
                     c.dilation[0], "x", c.dilation[1]);
  }
  return c;
}

template <typename Dtype>
void BaseConvolutionLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                             const vector<Blob<Dtype>*>& top) {
  const ConvolutionParameter& p = this->layer_param_.convolution_param();
  const std::string where = this->where();
  channel_axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  first_spatial_axis_ = channel_axis_ + 1;
  const int num_spatial = bottom[0]->num_axes() - first_spatial_axis_;
  LAYER_ENFORCE(num_spatial == 2, "expected 2 spatial axes after the channel axis ", channel_axis_,
                " (N-d convolution is not supported), got bottom shape ", bottom[0]->shape_string());

  const ConvSettings c = parse_conv_settings(p, where);
  for (int i = 0; i < 2; ++i) {
    kernel_[i] = c.kernel[i];
    stride_[i] = c.stride[i];
    pad_[i] = c.pad[i];
    dilation_[i] = c.dilation[i];
  }
  is_1x1_ = kernel_[0] == 1 && kernel_[1] == 1 && stride_[0] == 1 && stride_[1] == 1 &&
            pad_[0] == 0 && pad_[1] == 0;

  channels_ = bottom[0]->shape(channel_axis_);
  num_output_ = static_cast<int>(p.num_output());
  group_ = static_cast<int>(p.group());
  CAFFE_ENFORCE_AS(ParseError, num_output_ > 0, where, "num_output must be positive, got ", num_output_);
  CAFFE_ENFORCE_AS(ParseError, group_ > 0, where, "group must be positive, got ", group_);
  LAYER_ENFORCE(channels_ % group_ == 0, "the number of input channels (", channels_,
                ") must be a multiple of group (", group_, ")");
  CAFFE_ENFORCE_AS(ParseError, num_output_ % group_ == 0, where, "num_output (", num_output_,
                   ") must be a multiple of group (", group_, ")");
  conv_out_channels_ = reverse_dimensions() ? channels_ : num_output_;
  conv_in_channels_ = reverse_dimensions() ? num_output_ : channels_;
  bias_term_ = p.bias_term();

  const vector<int> weight_shape{conv_out_channels_, conv_in_channels_ / group_, kernel_[0], kernel_[1]};
  const size_t num_blobs = bias_term_ ? 2 : 1;
  if (!this->blobs_.empty()) {
    // Parameters came with the definition (e.g. from a .caffemodel): check them.
    LAYER_ENFORCE(this->blobs_.size() == num_blobs, "expected ", num_blobs,
                  " parameter blob(s), got ", this->blobs_.size());
    LAYER_ENFORCE(this->blobs_[0]->shape() == weight_shape, "expected weight shape ",
                  Blob<Dtype>(weight_shape).shape_string(), ", got ", this->blobs_[0]->shape_string());
    LAYER_ENFORCE(!bias_term_ || this->blobs_[1]->shape() == vector<int>{num_output_},
                  "expected bias shape (", num_output_, "), got ", this->blobs_[1]->shape_string());
  } else {
    this->blobs_.resize(num_blobs);
    this->blobs_[0].reset(new Blob<Dtype>(weight_shape));
    GetFiller<Dtype>(p.weight_filler())->Fill(this->blobs_[0].get());
    if (bias_term_) {
      this->blobs_[1].reset(new Blob<Dtype>(vector<int>{num_output_}));
      GetFiller<Dtype>(p.bias_filler())->Fill(this->blobs_[1].get());
    }
  }
  kernel_dim_ = this->blobs_[0]->count(1);
  weight_offset_ = conv_out_channels_ * kernel_dim_ / group_;
  for (size_t i = 0; i < num_blobs; ++i) this->set_param_propagate_down(i, true);
  use_dnnl_ = use_dnnl_engine<Dtype>(p.engine(), where);
}

template <typename Dtype>
void BaseConvolutionLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& b0 = *bottom[0];
  LAYER_ENFORCE(b0.num_axes() == first_spatial_axis_ + 2, "expected ", first_spatial_axis_ + 2,
                " bottom axes, as at setup, got shape ", b0.shape_string());
  LAYER_ENFORCE(b0.shape(channel_axis_) == channels_, "expected ", channels_,
                " input channels (the weights' size), got bottom shape ", b0.shape_string());
  for (size_t i = 1; i < bottom.size(); ++i) {
    LAYER_ENFORCE(bottom[i]->shape() == b0.shape(), "all bottoms must have one shape: bottom 0 is ",
                  b0.shape_string(), ", bottom ", i, " is ", bottom[i]->shape_string());
  }
  num_ = b0.count(0, channel_axis_);
  input_shape_[0] = b0.shape(first_spatial_axis_);
  input_shape_[1] = b0.shape(first_spatial_axis_ + 1);
  compute_output_shape();
  vector<int> top_shape(b0.shape().begin(), b0.shape().begin() + channel_axis_);
  top_shape.push_back(num_output_);
  top_shape.insert(top_shape.end(), output_shape_.begin(), output_shape_.end());
  for (auto* t : top) t->Reshape(top_shape);

  // The image side of im2col is the bottom for convolution, the top for deconvolution.
  const bool rev = reverse_dimensions();
  const int in_h = rev ? output_shape_[0] : input_shape_[0];
  const int in_w = rev ? output_shape_[1] : input_shape_[1];
  const int out_h = rev ? input_shape_[0] : output_shape_[0];
  const int out_w = rev ? input_shape_[1] : output_shape_[1];
  col_geometry_ = ConvGeometry{conv_in_channels_, in_h, in_w, kernel_[0], kernel_[1],
                               pad_[0], pad_[1], stride_[0], stride_[1],
                               dilation_[0], dilation_[1], out_h, out_w};
  check_col_geometry(col_geometry_, this->where());
  conv_out_spatial_dim_ = out_h * out_w;
  // The portable passes keep one image's columns (kernel_dim x output positions per
  // group) in a blob, which holds at most INT_MAX elements.
  const int64_t cols = int64_t(kernel_dim_) * group_ * conv_out_spatial_dim_;
  LAYER_ENFORCE(is_1x1_ || cols <= INT_MAX, "the im2col columns of one image (", kernel_dim_,
                " x ", out_h, "x", out_w, " per group, ", group_, " group(s)) would hold ", cols,
                " elements, more than the ", INT_MAX, " a blob can hold");
  col_offset_ = kernel_dim_ * conv_out_spatial_dim_;
  output_offset_ = conv_out_channels_ * conv_out_spatial_dim_ / group_;
  bottom_dim_ = b0.count(channel_axis_);
  top_dim_ = top[0]->count(channel_axis_);
  out_spatial_dim_ = top[0]->count(first_spatial_axis_);
  if (bias_term_ && bias_multiplier_.count() != out_spatial_dim_) {
    bias_multiplier_.Reshape(vector<int>{out_spatial_dim_});
    caffe_set(out_spatial_dim_, Dtype(1), bias_multiplier_.mutable_cpu_data());
  }
  prepare_dnnl();
}

template <typename Dtype>
void BaseConvolutionLayer<Dtype>::prepare_dnnl() {
#ifdef USE_DNNL
  if (!use_dnnl_) return;
  DnnlConvShape s;
  s.num = num_;
  s.groups = group_;
  s.in_c = conv_in_channels_;
  s.in_h = col_geometry_.height;
  s.in_w = col_geometry_.width;
  s.out_c = conv_out_channels_;
  s.out_h = col_geometry_.out_h;
  s.out_w = col_geometry_.out_w;
  for (int i = 0; i < 2; ++i) {
    s.kernel[i] = kernel_[i];
    s.stride[i] = stride_[i];
    s.pad[i] = pad_[i];
    s.dilation[i] = dilation_[i];
  }
  // Deconvolution adds its bias itself: oneDNN's backward-data pass has none.
  s.bias = bias_term_ && !reverse_dimensions();
  if (!dnnl_) dnnl_.reset(new DnnlConvolution(this->where()));
  if (!dnnl_->Prepare(s)) {
    LOG(INFO) << this->where() << "oneDNN has only reference code for this shape; "
              << "using the portable pass";
    dnnl_.reset();
  }
#endif
}

template <typename Dtype>
std::string BaseConvolutionLayer<Dtype>::cpu_engine() const {
  if (!dnnl_) return "CAFFE";
  return "DNNL:" + dnnl_->implementation() +
         (dnnl_backward_is_portable() ? " (backward: CAFFE)" : "");
}

template <typename Dtype>
bool BaseConvolutionLayer<Dtype>::ForwardDnnl(const vector<Blob<Dtype>*>& bottom,
                                              const vector<Blob<Dtype>*>& top) {
  return false;
}

template <typename Dtype>
bool BaseConvolutionLayer<Dtype>::BackwardDnnl(const vector<Blob<Dtype>*>& top,
                                               const vector<bool>& propagate_down,
                                               const vector<Blob<Dtype>*>& bottom) {
  return false;
}

#ifdef USE_DNNL
// In float, the passes on oneDNN. Convolution: forward, backward data, backward weights.
// Deconvolution: the same primitives with bottom and top swapped (its forward is the
// convolution's backward-data pass), and its bias added here.
template <>
bool BaseConvolutionLayer<float>::ForwardDnnl(const vector<Blob<float>*>& bottom,
                                              const vector<Blob<float>*>& top) {
  if (!dnnl_) return false;
  const float* w = blobs_[0]->cpu_data();
  const bool reverse = reverse_dimensions();
  for (size_t i = 0; i < bottom.size(); ++i) {
    const float* x = bottom[i]->cpu_data();
    float* y = top[i]->mutable_cpu_data();
    if (!reverse) {
      dnnl_->Forward(x, w, bias_term_ ? blobs_[1]->cpu_data() : nullptr, y);
      continue;
    }
    dnnl_->BackwardData(x, w, y);
    if (bias_term_) {
      const float* b = blobs_[1]->cpu_data();
      cpu_for_items(num_ * num_output_, [&](int64_t nc, int) {
        float* plane = y + nc * out_spatial_dim_;
        const float v = b[nc % num_output_];
        for (int j = 0; j < out_spatial_dim_; ++j) plane[j] += v;
      }, out_spatial_dim_);
    }
  }
  return true;
}

template <>
bool BaseConvolutionLayer<float>::BackwardDnnl(const vector<Blob<float>*>& top,
                                               const vector<bool>& propagate_down,
                                               const vector<Blob<float>*>& bottom) {
  if (!dnnl_ || dnnl_backward_is_portable()) return false;
  const float* w = blobs_[0]->cpu_data();
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  const bool reverse = reverse_dimensions();
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dy = top[i]->cpu_diff();
    if (!reverse) {
      float* db = bias_grad ? blobs_[1]->mutable_cpu_diff() : nullptr;
      if (weight_grad || db) {
        // oneDNN computes the weight gradient together with the bias gradient; when only
        // the bias learns, the weight gradient goes to a scratch copy.
        float* dw = weight_grad ? blobs_[0]->mutable_cpu_diff() : weight_sink();
        dnnl_->BackwardWeights(bottom[i]->cpu_data(), dy, dw, db);
      }
      if (propagate_down[i]) dnnl_->BackwardData(dy, w, bottom[i]->mutable_cpu_diff());
      continue;
    }
    if (bias_grad) {
      float* db = blobs_[1]->mutable_cpu_diff();
      for (int n = 0; n < num_; ++n) {
        for (int c = 0; c < num_output_; ++c) {
          const float* plane = dy + (static_cast<int64_t>(n) * num_output_ + c) * out_spatial_dim_;
          double s = 0;
          for (int j = 0; j < out_spatial_dim_; ++j) s += plane[j];
          db[c] += static_cast<float>(s);
        }
      }
    }
    if (weight_grad) dnnl_->BackwardWeights(dy, bottom[i]->cpu_data(), blobs_[0]->mutable_cpu_diff(), nullptr);
    if (propagate_down[i]) dnnl_->Forward(dy, w, nullptr, bottom[i]->mutable_cpu_diff());
  }
  return true;
}
#endif

INSTANTIATE_CLASS(BaseConvolutionLayer);

}  // namespace caffe
