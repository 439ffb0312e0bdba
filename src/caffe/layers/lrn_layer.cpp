#include "caffe/layers/lrn_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/engine.hpp"

namespace caffe {

template <typename Dtype>
void LRNLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const LRNParameter& p = this->layer_param_.lrn_param();
  const int size = static_cast<int>(p.local_size());
  CAFFE_ENFORCE_AS(ParseError, size > 0 && size % 2 == 1, this->where(),
                   "local_size must be a positive odd number, got ", size);
  geom_.size = size;
  geom_.within_channel = p.norm_region() == LRNParameter_NormRegion_WITHIN_CHANNEL;
  const Dtype norm = geom_.within_channel ? Dtype(size) * size : Dtype(size);
  geom_.alpha_over_norm = Dtype(p.alpha()) / norm;
  geom_.beta = Dtype(p.beta());
  geom_.k = geom_.within_channel ? Dtype(1) : Dtype(p.k());
  use_dnnl_ = use_dnnl_engine<Dtype>(p.engine(), this->where());
}

template <typename Dtype>
void LRNLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() == 4, "expected a 4-axis bottom (num, channels, height, "
                "width), got shape ", bottom[0]->shape_string());
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place (top and bottom are the same blob)");
  geom_.channels = bottom[0]->channels();
  geom_.height = bottom[0]->height();
  geom_.width = bottom[0]->width();
  top[0]->ReshapeLike(*bottom[0]);
  scale_.ReshapeLike(*bottom[0]);
  if (use_dnnl_) {
    const LRNParameter& p = this->layer_param_.lrn_param();
    DnnlLRNShape s;
    s.num = bottom[0]->num();
    s.channels = geom_.channels;
    s.height = geom_.height;
    s.width = geom_.width;
    s.size = geom_.size;
    s.within_channel = geom_.within_channel;
    s.alpha = p.alpha();
    s.beta = p.beta();
    s.k = static_cast<float>(geom_.k);
    s.training = this->phase() == TRAIN;
    if (!dnnl_) dnnl_.reset(new DnnlLRN(this->where()));
    if (!dnnl_->Prepare(s)) dnnl_.reset();
  }
}

template <typename Dtype>
std::string LRNLayer<Dtype>::cpu_engine() const {
  return dnnl_ ? "DNNL:" + dnnl_->implementation() : "CAFFE";
}

// oneDNN computes in float only; double nets never prepare it (dnnl_ stays null).
template <typename Dtype>
void LRNLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  if constexpr (std::is_same<Dtype, float>::value) {
    if (dnnl_) return dnnl_->Forward(bottom[0]->cpu_data(), top[0]->mutable_cpu_data());
  }
  ForwardOn<CpuSide>(bottom, top);
}

template <typename Dtype>
void LRNLayer<Dtype>::Backward_cpu(const vector<Blob<Dtype>*>& top,
                                   const vector<bool>& propagate_down,
                                   const vector<Blob<Dtype>*>& bottom) {
  if constexpr (std::is_same<Dtype, float>::value) {
    if (dnnl_) {
      if (propagate_down[0]) {
        dnnl_->Backward(bottom[0]->cpu_data(), top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff());
      }
      return;
    }
  }
  BackwardOn<CpuSide>(top, propagate_down, bottom);
}

INSTANTIATE_CLASS(LRNLayer);
REGISTER_LAYER_CLASS(LRN);

}  // namespace caffe
