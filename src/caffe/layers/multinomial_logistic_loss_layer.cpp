#include "caffe/layers/multinomial_logistic_loss_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void MultinomialLogisticLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                                  const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  LAYER_ENFORCE(bottom[1]->count() == bottom[0]->shape(0), "expected one label per item (",
                bottom[0]->shape(0), "), got shape ", bottom[1]->shape_string());
}

template <typename Dtype>
void MultinomialLogisticLossLayer<Dtype>::CheckLabels(const vector<Blob<Dtype>*>& bottom) const {
  check_class_labels(this->where(), *bottom[1], bottom[0]->count(1), false, 0);
}

INSTANTIATE_CLASS(MultinomialLogisticLossLayer);
REGISTER_LAYER_CLASS(MultinomialLogisticLoss);

}  // namespace caffe
