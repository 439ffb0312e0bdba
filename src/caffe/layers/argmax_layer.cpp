#include "caffe/layers/argmax_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void ArgMaxLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const ArgMaxParameter& p = this->layer_param_.argmax_param();
  const Blob<Dtype>& x = *bottom[0];
  LAYER_ENFORCE(x.num_axes() >= 1, "the bottom needs at least one axis, got a scalar");
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place");
  const int top_k = static_cast<int>(p.top_k());
  vector<int> shape;
  if (p.has_axis()) {
    const int axis = checked_axis(this->where(), x, p.axis(), "argmax_param.axis");
    dim_ = x.shape(axis);
    inner_ = x.count(axis + 1);
    rows_ = x.count(0, axis) * inner_;
    shape = x.shape();
    shape[axis] = top_k;
  } else {
    dim_ = x.count(1);
    inner_ = 1;
    rows_ = x.shape(0);
    shape.assign(std::max(3, x.num_axes()), 1);
    shape[0] = x.shape(0);
    shape[1] = p.out_max_val() ? 2 : 1;
    shape[2] = top_k;
  }
  LAYER_ENFORCE(top_k >= 1 && top_k <= dim_, "argmax_param.top_k must be in [1, ", dim_,
                "] for a bottom of shape ", x.shape_string(), ", got ", top_k);
  top[0]->Reshape(shape);
}

INSTANTIATE_CLASS(ArgMaxLayer);
REGISTER_LAYER_CLASS(ArgMax);

}  // namespace caffe
