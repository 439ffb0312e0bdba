#include "caffe/layers/contrastive_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ContrastiveLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  LAYER_ENFORCE(bottom[0]->shape() == bottom[1]->shape(),
                "the two inputs must have the same shape, got ", bottom[0]->shape_string(),
                " and ", bottom[1]->shape_string());
  LAYER_ENFORCE(bottom[2]->count() == bottom[0]->shape(0), "expected one similarity label per pair (",
                bottom[0]->shape(0), "), got shape ", bottom[2]->shape_string());
  diff_.ReshapeLike(*bottom[0]);
  dist_sq_.Reshape(vector<int>{bottom[0]->shape(0)});
}

INSTANTIATE_CLASS(ContrastiveLossLayer);
REGISTER_LAYER_CLASS(ContrastiveLoss);

}  // namespace caffe
