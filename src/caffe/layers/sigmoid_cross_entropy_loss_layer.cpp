#include "caffe/layers/sigmoid_cross_entropy_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SigmoidCrossEntropyLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                                  const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  LAYER_ENFORCE(bottom[0]->count() == bottom[1]->count(),
                "the logits and the targets must have the same count, got shapes ",
                bottom[0]->shape_string(), " and ", bottom[1]->shape_string());
}

INSTANTIATE_CLASS(SigmoidCrossEntropyLossLayer);
REGISTER_LAYER_CLASS(SigmoidCrossEntropyLoss);

}  // namespace caffe
