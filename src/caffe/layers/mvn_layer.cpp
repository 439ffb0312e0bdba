#include "caffe/layers/mvn_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void MVNLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& x = *bottom[0];
  const bool across = this->layer_param_.mvn_param().across_channels();
  LAYER_ENFORCE(x.num_axes() >= (across ? 1 : 2), "the bottom needs ", across ? 1 : 2,
                " axes at least, got shape ", x.shape_string());
  LAYER_ENFORCE(x.count() > 0, "the bottom is empty (shape ", x.shape_string(), ")");
  groups_ = across ? x.shape(0) : x.count(0, 2);
  size_ = x.count() / groups_;
  if (top[0] != bottom[0]) top[0]->ReshapeLike(x);
  for (Blob<Dtype>* b : {&mean_, &var_, &inv_std_, &shift_})
    b->Reshape(vector<int>{static_cast<int>(groups_)});
}

INSTANTIATE_CLASS(MVNLayer);
REGISTER_LAYER_CLASS(MVN);

}  // namespace caffe
