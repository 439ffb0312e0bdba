#include "caffe/layers/spp_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SPPLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const SPPParameter& p = this->layer_param_.spp_param();
  CAFFE_ENFORCE_AS(ParseError, p.pyramid_height() > 0 && p.pyramid_height() <= 16, this->where(),
                   "spp_param.pyramid_height must be in [1, 16], got ", p.pyramid_height());
  height_ = static_cast<int>(p.pyramid_height());
  pool_ = p.pool();
  levels_.resize(height_);
}

template <typename Dtype>
void SPPLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                              const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& x = *bottom[0];
  LAYER_ENFORCE(x.num_axes() == 4, "expected a 4-axis bottom (num, channels, height, width), got "
                "shape ", x.shape_string());
  const int num = x.shape(0), channels = x.shape(1), H = x.shape(2), W = x.shape(3);
  LAYER_ENFORCE(H > 0 && W > 0, "cannot pool an empty image, got bottom shape ", x.shape_string());
  total_ = 0;
  for (int level = 0; level < height_; ++level) {
    Level& l = levels_[level];
    const int bins = 1 << level;
    PoolGeometry& g = l.geom;
    g.height = H;
    g.width = W;
    // In int64: the pooling kernels need in + 2*pad + stride to fit an int.
    const int64_t kernel_h = (int64_t(H) + bins - 1) / bins, kernel_w = (int64_t(W) + bins - 1) / bins;
    const int64_t pad_h = (kernel_h * bins - H + 1) / 2, pad_w = (kernel_w * bins - W + 1) / 2;
    LAYER_ENFORCE(H + 2 * pad_h + kernel_h <= INT_MAX && W + 2 * pad_w + kernel_w <= INT_MAX,
                  "the input ", H, "x", W, " is too large for pyramid level ", level, " (", bins,
                  "x", bins, " bins)");
    g.kernel_h = static_cast<int>(kernel_h);
    g.kernel_w = static_cast<int>(kernel_w);
    g.pad_h = static_cast<int>(pad_h);
    g.pad_w = static_cast<int>(pad_w);
    g.stride_h = g.kernel_h;
    g.stride_w = g.kernel_w;
    LAYER_ENFORCE(H > 0 && W > 0 && g.pad_h < g.kernel_h && g.pad_w < g.kernel_w, "the input ", H,
                  "x", W, " is too small for pyramid level ", level, " (", bins, "x", bins,
                  " bins: kernel ", g.kernel_h, "x", g.kernel_w, ", pad ", g.pad_h, "x", g.pad_w, ")");
    const bool any_pad = g.pad_h > 0 || g.pad_w > 0;
    g.pooled_h = pooled_size(H, g.kernel_h, g.pad_h, g.stride_h, true, any_pad);
    g.pooled_w = pooled_size(W, g.kernel_w, g.pad_w, g.stride_w, true, any_pad);
    const vector<int> shape{num, channels, g.pooled_h, g.pooled_w};
    if (!l.out) l.out.reset(new Blob<Dtype>());
    if (!l.mask) l.mask.reset(new Blob<Dtype>());
    l.out->Reshape(shape);
    if (pool_ != SPPParameter_PoolMethod_AVE) l.mask->Reshape(shape);
    l.count = int64_t(channels) * g.pooled_h * g.pooled_w;
    l.offset = total_;
    total_ += l.count;
  }
  LAYER_ENFORCE(total_ <= INT32_MAX, "the output would be too large");
  if (height_ == 1) {
    top[0]->Reshape(levels_[0].out->shape());
  } else {
    top[0]->Reshape(vector<int>{num, static_cast<int>(total_)});
  }
  level_dx_.ReshapeLike(x);
}

INSTANTIATE_CLASS(SPPLayer);
REGISTER_LAYER_CLASS(SPP);

}  // namespace caffe
