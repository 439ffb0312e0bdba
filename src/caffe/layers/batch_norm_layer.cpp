#include "caffe/layers/batch_norm_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void BatchNormLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const BatchNormParameter& p = this->layer_param_.batch_norm_param();
  use_global_stats_ = p.has_use_global_stats() ? p.use_global_stats() : this->phase() == TEST;
  moving_average_fraction_ = p.moving_average_fraction();
  eps_ = p.eps();
  LAYER_ENFORCE(eps_ > 0, "batch_norm_param.eps must be positive, got ", p.eps());
  LAYER_ENFORCE(bottom[0]->num_axes() >= 1, "the bottom needs at least one axis, got shape ",
                bottom[0]->shape_string());
  const int channels = bottom[0]->num_axes() == 1 ? 1 : bottom[0]->shape(1);
  if (this->blobs_.empty()) {
    this->blobs_.emplace_back(new Blob<Dtype>(vector<int>{channels}));
    this->blobs_.emplace_back(new Blob<Dtype>(vector<int>{channels}));
    this->blobs_.emplace_back(new Blob<Dtype>(vector<int>{1}));
    for (auto& b : this->blobs_) caffe_set(b->count(), Dtype(0), b->mutable_cpu_data());
  }
  // The statistics are not learned: keep solvers away from them.
  this->param_propagate_down_.assign(3, false);
  for (int i = 0; i < 3; ++i) {
    ParamSpec* spec = i < this->layer_param_.param_size() ? this->layer_param_.mutable_param(i)
                                                          : this->layer_param_.add_param();
    spec->set_lr_mult(0);
    spec->set_decay_mult(0);
  }
}

template <typename Dtype>
void BatchNormLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& x = *bottom[0];
  const int channels = x.num_axes() == 1 ? 1 : x.shape(1);
  LAYER_ENFORCE(channels == this->blobs_[0]->count(), "expected ", this->blobs_[0]->count(),
                " channels (the statistics' size), got a bottom of shape ", x.shape_string());
  num_ = x.num_axes() == 0 ? 1 : x.shape(0);
  channels_ = channels;
  spatial_ = x.count() / (num_ * channels_ > 0 ? num_ * channels_ : 1);
  if (top[0] != bottom[0]) top[0]->ReshapeLike(x);
  for (Blob<Dtype>* b : {&mean_, &var_, &inv_std_, &shift_}) b->Reshape(vector<int>{channels});
}

INSTANTIATE_CLASS(BatchNormLayer);
REGISTER_LAYER_CLASS(BatchNorm);

}  // namespace caffe
