#include "caffe/layers/scale_bias_layer.hpp"

#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
Blob<Dtype>* ScaleBiasLayer<Dtype>::scale_operand(const vector<Blob<Dtype>*>& bottom) const {
  if (!config().scale) return nullptr;
  return bottom.size() > 1 ? bottom[1] : this->blobs_[0].get();
}

template <typename Dtype>
int ScaleBiasLayer<Dtype>::bias_param_index(const vector<Blob<Dtype>*>& bottom) const {
  const Config c = config();
  if (!c.bias) return -1;
  if (!c.scale) return bottom.size() > 1 ? -1 : 0;  // Bias: the first operand
  return bottom.size() > 1 ? 0 : 1;                // Scale: after a learned scale
}

template <typename Dtype>
Blob<Dtype>* ScaleBiasLayer<Dtype>::bias_operand(const vector<Blob<Dtype>*>& bottom) const {
  if (!config().bias) return nullptr;
  const int index = bias_param_index(bottom);
  return index >= 0 ? this->blobs_[index].get() : bottom[1];
}

template <typename Dtype>
void ScaleBiasLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const Config c = config();
  if (!this->blobs_.empty()) return;  // given (e.g. shared)
  vector<int> shape;
  if (bottom.size() > 1) {
    shape = bottom[1]->shape();
  } else {
    const int axis = checked_axis(this->where(), *bottom[0], c.axis, "axis");
    const int n = bottom[0]->num_axes();
    LAYER_ENFORCE(c.num_axes >= -1 && (c.num_axes == -1 || axis + c.num_axes <= n),
                  "num_axes must be -1 or at most ", n - axis, " (the axes from axis ", axis,
                  " of a bottom of shape ", bottom[0]->shape_string(), "), got ", c.num_axes);
    const int end = c.num_axes == -1 ? n : axis + c.num_axes;
    shape.assign(bottom[0]->shape().begin() + axis, bottom[0]->shape().begin() + end);
    this->blobs_.emplace_back(new Blob<Dtype>(shape));
    GetFiller<Dtype>(c.first_filler)->Fill(this->blobs_.back().get());
  }
  if (c.scale && c.bias) {
    this->blobs_.emplace_back(new Blob<Dtype>(shape));
    GetFiller<Dtype>(c.bias_filler)->Fill(this->blobs_.back().get());
  }
  this->param_propagate_down_.assign(this->blobs_.size(), true);
}

template <typename Dtype>
void ScaleBiasLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const Config c = config();
  const Blob<Dtype>& operand = c.scale ? *scale_operand(bottom) : *bias_operand(bottom);
  // A scalar operand (no axes) broadcasts over everything.
  axis_ = operand.num_axes() == 0 ? 0 : checked_axis(this->where(), *bottom[0], c.axis, "axis");
  const Blob<Dtype>& x = *bottom[0];
  bool fits = axis_ + operand.num_axes() <= x.num_axes();
  for (int i = 0; fits && i < operand.num_axes(); ++i) fits = x.shape(axis_ + i) == operand.shape(i);
  LAYER_ENFORCE(fits, "the operand of shape ", operand.shape_string(),
                " must match the axes from axis ", axis_, " of the bottom of shape ",
                x.shape_string());
  outer_ = x.count(0, axis_);
  dim_ = operand.count();
  inner_ = x.count(axis_ + operand.num_axes());
  if (top[0] != bottom[0]) top[0]->ReshapeLike(x);
}

INSTANTIATE_CLASS(ScaleBiasLayer);

}  // namespace caffe
