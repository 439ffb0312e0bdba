#include "caffe/layers/flatten_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
vector<int> FlattenLayer<Dtype>::TopShape(const Blob<Dtype>& bottom) const {
  const FlattenParameter& p = this->layer_param_.flatten_param();
  const int start = checked_axis(this->where(), bottom, p.axis(), "flatten_param.axis");
  const int end = checked_axis(this->where(), bottom, p.end_axis(), "flatten_param.end_axis");
  LAYER_ENFORCE(start <= end, "flatten_param.axis (", p.axis(), ") must not come after end_axis (",
                p.end_axis(), ") for a bottom of shape ", bottom.shape_string());
  vector<int> shape(bottom.shape().begin(), bottom.shape().begin() + start);
  shape.push_back(bottom.count(start, end + 1));
  shape.insert(shape.end(), bottom.shape().begin() + end + 1, bottom.shape().end());
  return shape;
}

INSTANTIATE_CLASS(FlattenLayer);
REGISTER_LAYER_CLASS(Flatten);

}  // namespace caffe
