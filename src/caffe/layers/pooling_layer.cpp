#include "caffe/layers/pooling_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/engine.hpp"

namespace caffe {

template <typename Dtype>
void PoolingLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  const PoolingParameter& p = this->layer_param_.pooling_param();
  const std::string where = this->where();
  pool_ = p.pool();
  global_pooling_ = p.global_pooling();
  const bool has_kernel = p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w();
  if (global_pooling_) {
    CAFFE_ENFORCE_AS(ParseError, !has_kernel, where,
                     "with global_pooling the kernel size comes from the input; do not set it");
  } else {
    CAFFE_ENFORCE_AS(ParseError, p.has_kernel_size() != (p.has_kernel_h() || p.has_kernel_w()),
                     where, "give either kernel_size or kernel_h and kernel_w (exactly one form)");
    CAFFE_ENFORCE_AS(ParseError, p.has_kernel_size() || (p.has_kernel_h() && p.has_kernel_w()),
                     where, "kernel_h and kernel_w must be given together");
  }
  CAFFE_ENFORCE_AS(ParseError, !(p.has_pad() && (p.has_pad_h() || p.has_pad_w())), where,
                   "give either pad or pad_h and pad_w, not both");
  CAFFE_ENFORCE_AS(ParseError, p.has_pad_h() == p.has_pad_w(), where,
                   "pad_h and pad_w must be given together");
  CAFFE_ENFORCE_AS(ParseError, !(p.has_stride() && (p.has_stride_h() || p.has_stride_w())), where,
                   "give either stride or stride_h and stride_w, not both");
  CAFFE_ENFORCE_AS(ParseError, p.has_stride_h() == p.has_stride_w(), where,
                   "stride_h and stride_w must be given together");
  PoolGeometry& g = geom_;
  auto value = [&](uint32_t v, const char* field) {
    CAFFE_ENFORCE_AS(ParseError, v <= INT_MAX, where, "pooling_param.", field, " ", v,
                     " is larger than ", INT_MAX);
    return static_cast<int>(v);
  };
  g.kernel_h = value(p.has_kernel_size() ? p.kernel_size() : p.kernel_h(), "kernel");
  g.kernel_w = value(p.has_kernel_size() ? p.kernel_size() : p.kernel_w(), "kernel");
  g.pad_h = value(p.has_pad_h() ? p.pad_h() : p.pad(), "pad");
  g.pad_w = value(p.has_pad_w() ? p.pad_w() : p.pad(), "pad");
  g.stride_h = value(p.has_stride_h() ? p.stride_h() : p.stride(), "stride");
  g.stride_w = value(p.has_stride_w() ? p.stride_w() : p.stride(), "stride");
  CAFFE_ENFORCE_AS(ParseError, g.stride_h > 0 && g.stride_w > 0, where,
                   "strides must be positive, got ", g.stride_h, "x", g.stride_w);
  if (global_pooling_) {
    CAFFE_ENFORCE_AS(ParseError, g.pad_h == 0 && g.pad_w == 0 && g.stride_h == 1 && g.stride_w == 1,
                     where, "global_pooling needs pad 0 and stride 1, got pad ", g.pad_h, "x",
                     g.pad_w, " and stride ", g.stride_h, "x", g.stride_w);
  } else {
    CAFFE_ENFORCE_AS(ParseError, g.kernel_h > 0 && g.kernel_w > 0, where,
                     "kernel sizes must be positive, got ", g.kernel_h, "x", g.kernel_w);
    CAFFE_ENFORCE_AS(ParseError, g.pad_h < g.kernel_h && g.pad_w < g.kernel_w, where,
                     "pad (", g.pad_h, "x", g.pad_w, ") must be smaller than the kernel (",
                     g.kernel_h, "x", g.kernel_w, ")");
  }
  // oneDNN keeps the winners in its own format: a layer that outputs Caffe's mask keeps
  // the portable pass.
  use_dnnl_ = top.size() == 1 && pool_ != PoolingParameter_PoolMethod_STOCHASTIC &&
              use_dnnl_engine<Dtype>(p.engine(), where);
}

template <typename Dtype>
void PoolingLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() == 4, "expected a 4-axis bottom (num, channels, height, "
                "width), got shape ", bottom[0]->shape_string());
  PoolGeometry& g = geom_;
  g.height = bottom[0]->height();
  g.width = bottom[0]->width();
  // The passes walk the bottom row by row (count / width rows): an empty image has none.
  LAYER_ENFORCE(g.height > 0 && g.width > 0, "cannot pool an empty image, got bottom shape ",
                bottom[0]->shape_string());
  if (global_pooling_) {
    g.kernel_h = g.height;
    g.kernel_w = g.width;
  }
  // The pooling kernels compute positions up to in + 2*pad + stride in int.
  LAYER_ENFORCE(int64_t(g.height) + 2 * int64_t(g.pad_h) + g.stride_h <= INT_MAX &&
                int64_t(g.width) + 2 * int64_t(g.pad_w) + g.stride_w <= INT_MAX,
                "the padded input ", g.height, "x", g.width, " + 2*(", g.pad_h, "x", g.pad_w,
                ") plus the stride is larger than ", INT_MAX);
  LAYER_ENFORCE(g.height + 2 * g.pad_h >= g.kernel_h && g.width + 2 * g.pad_w >= g.kernel_w,
                "the kernel ", g.kernel_h, "x", g.kernel_w, " is larger than the padded input ",
                g.height, "x", g.width, " + 2*(", g.pad_h, "x", g.pad_w, ")");
  const bool ceil_mode =
      this->layer_param_.pooling_param().round_mode() == PoolingParameter_RoundMode_CEIL;
  const bool any_pad = g.pad_h > 0 || g.pad_w > 0;
  g.pooled_h = pooled_size(g.height, g.kernel_h, g.pad_h, g.stride_h, ceil_mode, any_pad);
  g.pooled_w = pooled_size(g.width, g.kernel_w, g.pad_w, g.stride_w, ceil_mode, any_pad);
  const vector<int> shape{bottom[0]->num(), bottom[0]->channels(), g.pooled_h, g.pooled_w};
  top[0]->Reshape(shape);
  if (is_max()) mask_blob(top)->Reshape(shape);
  if (is_stochastic()) max_idx_.Reshape(shape);
#ifdef USE_DNNL
  if (use_dnnl_) {
    DnnlPoolShape s;
    s.num = bottom[0]->num();
    s.channels = bottom[0]->channels();
    s.height = g.height;
    s.width = g.width;
    s.pooled_h = g.pooled_h;
    s.pooled_w = g.pooled_w;
    s.kernel[0] = g.kernel_h;
    s.kernel[1] = g.kernel_w;
    s.stride[0] = g.stride_h;
    s.stride[1] = g.stride_w;
    s.pad[0] = g.pad_h;
    s.pad[1] = g.pad_w;
    s.max = is_max();
    if (!dnnl_) dnnl_.reset(new DnnlPooling(this->where()));
    if (dnnl_->Prepare(s)) {
      dnnl_declined_.clear();
    } else {
      dnnl_declined_ = dnnl_->declined();
      dnnl_.reset();
    }
  }
#endif
}

template <typename Dtype>
std::string PoolingLayer<Dtype>::cpu_engine() const {
  if (dnnl_) return "DNNL:" + dnnl_->implementation();
  return dnnl_declined_.empty() ? "CAFFE" : "CAFFE (oneDNN offers only " + dnnl_declined_ + ")";
}

// oneDNN computes in float only; double nets never prepare it (dnnl_ stays null).
template <typename Dtype>
void PoolingLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  if constexpr (std::is_same<Dtype, float>::value) {
    if (dnnl_) return dnnl_->Forward(bottom[0]->cpu_data(), top[0]->mutable_cpu_data());
  }
  ForwardOn<CpuSide>(bottom, top);
}

template <typename Dtype>
void PoolingLayer<Dtype>::Backward_cpu(const vector<Blob<Dtype>*>& top,
                                       const vector<bool>& propagate_down,
                                       const vector<Blob<Dtype>*>& bottom) {
  if constexpr (std::is_same<Dtype, float>::value) {
    if (dnnl_) {
      if (propagate_down[0]) dnnl_->Backward(top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff());
      return;
    }
  }
  BackwardOn<CpuSide>(top, propagate_down, bottom);
}

INSTANTIATE_CLASS(PoolingLayer);
REGISTER_LAYER_CLASS(Pooling);

}  // namespace caffe
