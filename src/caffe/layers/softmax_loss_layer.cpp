#include "caffe/layers/softmax_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SoftmaxWithLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  SoftmaxBasedLossLayer<Dtype>::Reshape(bottom, top);
  if (top.size() >= 2) {
    top[1]->ReshapeLike(*bottom[0]);
    top[1]->ShareData(this->prob_);
  }
}

INSTANTIATE_CLASS(SoftmaxWithLossLayer);
REGISTER_LAYER_CLASS(SoftmaxWithLoss);

}  // namespace caffe
