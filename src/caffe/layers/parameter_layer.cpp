#include "caffe/layers/parameter_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ParameterLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const ParameterParameter& p = this->layer_param_.parameter_param();
  CAFFE_ENFORCE_AS(ParseError, p.has_shape(), this->where(), "parameter_param.shape is not set");
  vector<int> shape;
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    CAFFE_ENFORCE_AS(ParseError, p.shape().dim(i) >= 0 && p.shape().dim(i) <= INT32_MAX,
                     this->where(), "parameter_param.shape dim ", i, " is out of range: ",
                     p.shape().dim(i));
    shape.push_back(static_cast<int>(p.shape().dim(i)));
  }
  if (!this->blobs_.empty()) {
    LAYER_ENFORCE(this->blobs_.size() == 1 && this->blobs_[0]->shape() == shape,
                  "expected one parameter blob of shape ", Blob<Dtype>(shape).shape_string(),
                  ", got ", this->blobs_.size(), " blob(s), the first of shape ",
                  this->blobs_[0]->shape_string());
  } else {
    this->blobs_.emplace_back(new Blob<Dtype>(shape));
    caffe_set(this->blobs_[0]->count(), Dtype(0), this->blobs_[0]->mutable_cpu_data());
  }
  this->set_param_propagate_down(0, true);
}

INSTANTIATE_CLASS(ParameterLayer);
REGISTER_LAYER_CLASS(Parameter);

}  // namespace caffe
