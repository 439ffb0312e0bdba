#include "caffe/layers/reduction_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void ReductionLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const ReductionParameter& p = this->layer_param_.reduction_param();
  const Blob<Dtype>& x = *bottom[0];
  const int axis = x.num_axes() == 0 ? 0 : checked_axis(this->where(), x, p.axis(), "axis");
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place");
  op_ = p.operation();
  dim_ = x.count(axis);
  coeff_ = static_cast<Dtype>(p.coeff());
  if (p.operation() == ReductionParameter::MEAN && dim_ > 0) coeff_ /= dim_;
  top[0]->Reshape(vector<int>(x.shape().begin(), x.shape().begin() + axis));
}

INSTANTIATE_CLASS(ReductionLayer);
REGISTER_LAYER_CLASS(Reduction);

}  // namespace caffe
