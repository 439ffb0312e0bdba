#include "caffe/layers/loc_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void LocLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  if (this->layer_param_.loss_weight_size() == 0) this->layer_param_.add_loss_weight(Dtype(1));
  threshold_ = static_cast<Dtype>(this->layer_param_.loc_loss_param().threshold());
  CAFFE_ENFORCE_AS(ParseError, threshold_ >= 0, this->where(),
                   "loc_loss_param.threshold must be >= 0, got ", threshold_);
}

template <typename Dtype>
void LocLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() >= 1 && bottom[0]->shape(0) > 0,
                "expected a bottom of shape N x ..., got ", bottom[0]->shape_string());
  top[0]->Reshape(vector<int>{});
}

INSTANTIATE_CLASS(LocLossLayer);
REGISTER_LAYER_CLASS(LocLoss);

}  // namespace caffe
