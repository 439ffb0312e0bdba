#include "caffe/layers/loss_layer.hpp"

#include <algorithm>

namespace caffe {

template <typename Dtype>
void LossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  if (this->layer_param_.loss_weight_size() == 0) {
    this->layer_param_.add_loss_weight(Dtype(1));
    for (size_t t = 1; t < top.size(); ++t) this->layer_param_.add_loss_weight(Dtype(0));
  }
}

template <typename Dtype>
void LossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                               const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() > 0 && bottom[1]->num_axes() > 0 &&
                    bottom[0]->shape(0) == bottom[1]->shape(0),
                "the predictions and the targets must have the same first dimension, got shapes ",
                bottom[0]->shape_string(), " and ", bottom[1]->shape_string());
  // Losses average over the batch (and some divide counts by it): an empty batch has none.
  LAYER_ENFORCE(bottom[0]->shape(0) > 0, "a loss needs at least one item, got an empty batch "
                "(shape ", bottom[0]->shape_string(), ")");
  top[0]->Reshape(vector<int>());  // a scalar
}

template <typename Dtype>
Dtype LossLayer<Dtype>::Normalizer(LossParameter_NormalizationMode mode, int outer_num,
                                   int inner_num, int valid_count) {
  double n = 1;
  switch (mode) {
    case LossParameter_NormalizationMode_FULL: n = double(outer_num) * inner_num; break;
    case LossParameter_NormalizationMode_VALID:
      n = valid_count < 0 ? double(outer_num) * inner_num : valid_count;
      break;
    case LossParameter_NormalizationMode_BATCH_SIZE: n = outer_num; break;
    case LossParameter_NormalizationMode_NONE: n = 1; break;
  }
  // An all-ignored batch must not divide by zero.
  return static_cast<Dtype>(std::max(1.0, n));
}

template <typename Dtype>
LossParameter_NormalizationMode LossLayer<Dtype>::NormalizationMode() const {
  const LossParameter& p = this->layer_param_.loss_param();
  if (!p.has_normalization() && p.has_normalize())
    return p.normalize() ? LossParameter_NormalizationMode_VALID
                         : LossParameter_NormalizationMode_BATCH_SIZE;
  return p.normalization();
}

INSTANTIATE_CLASS(LossLayer);

}  // namespace caffe
