#include "caffe/layers/dropout_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void DropoutLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  const DropoutParameter& p = this->layer_param_.dropout_param();
  const double ratio = p.dropout_ratio();
  LAYER_ENFORCE(ratio >= 0 && ratio < 1, "dropout_ratio must be in [0, 1), got ", ratio);
  threshold_ = static_cast<unsigned int>(static_cast<double>(UINT_MAX) * ratio);
  train_scale_ = p.scale_train() ? static_cast<Dtype>(1.0 / (1.0 - ratio)) : Dtype(1);
  test_scale_ = p.scale_train() ? Dtype(1) : static_cast<Dtype>(1.0 - ratio);
}

template <typename Dtype>
void DropoutLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  NeuronLayer<Dtype>::Reshape(bottom, top);
  const size_t bytes = sizeof(unsigned int) * static_cast<size_t>(bottom[0]->count());
  if (!draws_ || draws_->size() < bytes) draws_.reset(new SyncedMemory(bytes));
}

INSTANTIATE_CLASS(DropoutLayer);
REGISTER_LAYER_CLASS(Dropout);

}  // namespace caffe
