#include "caffe/layers/lrn_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/parallel.hpp"

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
}

template <typename Dtype>
void LRNLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  cpu_for(bottom[0]->count(), LRNForward<Dtype>{bottom[0]->cpu_data(), scale_.mutable_cpu_data(),
                                                top[0]->mutable_cpu_data(), geom_});
}

template <typename Dtype>
void LRNLayer<Dtype>::Backward_cpu(const vector<Blob<Dtype>*>& top,
                                   const vector<bool>& propagate_down,
                                   const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  cpu_for(bottom[0]->count(),
          LRNBackward<Dtype>{bottom[0]->cpu_data(), top[0]->cpu_data(), scale_.cpu_data(),
                             top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff(), geom_});
}

INSTANTIATE_CLASS(LRNLayer);
REGISTER_LAYER_CLASS(LRN);

}  // namespace caffe
