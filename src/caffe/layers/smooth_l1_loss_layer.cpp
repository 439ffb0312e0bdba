#include "caffe/layers/smooth_l1_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SmoothL1LossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  if (this->layer_param_.loss_weight_size() == 0) this->layer_param_.add_loss_weight(Dtype(1));
  const Dtype sigma = this->layer_param_.smooth_l1_loss_param().sigma();
  CAFFE_ENFORCE_AS(ParseError, sigma > 0, this->where(),
                   "smooth_l1_loss_param.sigma must be positive, got ", sigma);
  sigma2_ = sigma * sigma;
  LAYER_ENFORCE(bottom.size() != 3, "expected 2 bottoms (prediction, target) or 4 (with inside "
                "and outside weights), got 3");
}

template <typename Dtype>
void SmoothL1LossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& pred = *bottom[0];
  LAYER_ENFORCE(pred.num_axes() >= 1 && pred.shape(0) > 0,
                "expected a prediction of shape N x ..., got ", pred.shape_string());
  const char* names[] = {"prediction", "target", "inside weights", "outside weights"};
  for (size_t i = 1; i < bottom.size(); ++i)
    LAYER_ENFORCE(bottom[i]->count() == pred.count(), "expected the ", names[i], " (bottom ", i,
                  ") to have the prediction's ", pred.count(), " elements (",
                  pred.shape_string(), "), got ", bottom[i]->shape_string());
  top[0]->Reshape(vector<int>{});
}

INSTANTIATE_CLASS(SmoothL1LossLayer);
REGISTER_LAYER_CLASS(SmoothL1Loss);

}  // namespace caffe
