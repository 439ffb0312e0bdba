#include "caffe/layers/flatten_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void FlattenLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place (top and bottom are the same blob)");
  const FlattenParameter& p = this->layer_param_.flatten_param();
  const int start = checked_axis(this->where(), *bottom[0], p.axis(), "flatten_param.axis");
  const int end = checked_axis(this->where(), *bottom[0], p.end_axis(), "flatten_param.end_axis");
  LAYER_ENFORCE(start <= end, "flatten_param.axis (", p.axis(), ") must not come after end_axis (",
                p.end_axis(), ") for a bottom of shape ", bottom[0]->shape_string());
  vector<int> shape(bottom[0]->shape().begin(), bottom[0]->shape().begin() + start);
  shape.push_back(bottom[0]->count(start, end + 1));
  shape.insert(shape.end(), bottom[0]->shape().begin() + end + 1, bottom[0]->shape().end());
  top[0]->Reshape(shape);
  top[0]->ShareData(*bottom[0]);
}

INSTANTIATE_CLASS(FlattenLayer);
REGISTER_LAYER_CLASS(Flatten);

}  // namespace caffe
