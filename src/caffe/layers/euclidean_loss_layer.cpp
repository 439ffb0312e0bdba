#include "caffe/layers/euclidean_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void EuclideanLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                        const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  LAYER_ENFORCE(bottom[0]->count(1) == bottom[1]->count(1),
                "both inputs must have the same number of values per item, got shapes ",
                bottom[0]->shape_string(), " and ", bottom[1]->shape_string());
  diff_.ReshapeLike(*bottom[0]);
}

INSTANTIATE_CLASS(EuclideanLossLayer);
REGISTER_LAYER_CLASS(EuclideanLoss);

}  // namespace caffe
