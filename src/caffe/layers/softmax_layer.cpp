#include "caffe/layers/softmax_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void SoftmaxLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  const int axis = checked_axis(this->where(), *bottom[0],
                                this->layer_param_.softmax_param().axis(), "softmax_param.axis");
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  outer_ = bottom[0]->count(0, axis);
  channels_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  per_position_.Reshape(vector<int>{static_cast<int>(outer_ * inner_)});
}

INSTANTIATE_CLASS(SoftmaxLayer);
REGISTER_LAYER_CLASS(Softmax);

}  // namespace caffe
