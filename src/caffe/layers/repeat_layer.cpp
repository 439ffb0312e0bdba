#include "caffe/layers/repeat_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void RepeatLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>&) {
  const RepeatParameter& p = this->layer_param_.repeat_param();
  CAFFE_ENFORCE_AS(ParseError, p.num_repeats() > 0, this->where(),
                   "repeat_param.num_repeats must be positive, got ", p.num_repeats());
  axis_ = checked_axis(this->where(), *bottom[0], p.axis(), "repeat_param.axis");
  this->tiles_ = p.num_repeats();
  const int64_t k = bottom[0]->count(axis_);
  LAYER_ENFORCE(k > 0 && this->tiles_ * k <= INT32_MAX, "cannot repeat rows of ", k, " values ",
                this->tiles_, " times");
  const vector<int> shape{static_cast<int>(this->tiles_ * k), static_cast<int>(k)};
  if (!this->blobs_.empty()) {
    LAYER_ENFORCE(this->blobs_.size() == 1 && this->blobs_[0]->shape() == shape,
                  "expected one parameter blob of shape ", Blob<Dtype>(shape).shape_string(),
                  ", got ", this->blobs_.size(), " blob(s), the first of shape ",
                  this->blobs_[0]->shape_string());
  } else {
    this->blobs_.emplace_back(new Blob<Dtype>(shape));
    Dtype* w = this->blobs_[0]->mutable_cpu_data();
    caffe_set(this->blobs_[0]->count(), Dtype(0), w);
    for (int64_t r = 0; r < this->tiles_; ++r)
      for (int64_t j = 0; j < k; ++j) w[(r * k + j) * k + j] = Dtype(1);
  }
  // The matrix is not learned: keep solvers away from it.
  this->param_propagate_down_.assign(1, false);
  ParamSpec* spec = this->layer_param_.param_size() > 0 ? this->layer_param_.mutable_param(0)
                                                        : this->layer_param_.add_param();
  spec->set_lr_mult(0);
  spec->set_decay_mult(0);
}

template <typename Dtype>
void RepeatLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const int64_t k = this->blobs_[0]->shape(1);
  LAYER_ENFORCE(bottom[0]->num_axes() > axis_ && bottom[0]->count(axis_) == k, "expected ", k,
                " values per row from axis ", axis_, " (the parameter's size), got bottom shape ",
                bottom[0]->shape_string());
  this->inner_ = k;
  vector<int> shape{bottom[0]->count(0, axis_), static_cast<int>(this->tiles_)};
  for (int a = axis_; a < bottom[0]->num_axes(); ++a) shape.push_back(bottom[0]->shape(a));
  top[0]->Reshape(shape);
}

INSTANTIATE_CLASS(RepeatLayer);
REGISTER_LAYER_CLASS(Repeat);

}  // namespace caffe
