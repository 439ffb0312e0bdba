#include "caffe/layers/concat_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void ConcatLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const ConcatParameter& p = this->layer_param_.concat_param();
  LAYER_ENFORCE(!(p.has_axis() && p.has_concat_dim()),
                "give either concat_param.axis or the legacy concat_dim, not both");
}

template <typename Dtype>
void ConcatLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const ConcatParameter& p = this->layer_param_.concat_param();
  const Blob<Dtype>& first = *bottom[0];
  if (p.has_concat_dim()) {
    LAYER_ENFORCE(static_cast<int>(p.concat_dim()) < first.num_axes(), "concat_dim ",
                  p.concat_dim(), " is out of range for a bottom of shape ", first.shape_string());
    axis_ = static_cast<int>(p.concat_dim());
  } else {
    axis_ = checked_axis(this->where(), first, p.axis(), "concat_param.axis");
  }
  vector<int> shape = first.shape();
  int64_t axis_size = first.shape(axis_);
  for (size_t i = 0; i < bottom.size(); ++i) {
    LAYER_ENFORCE(top[0] != bottom[i], "cannot run in place (top is bottom ", i, ")");
    if (i == 0) continue;
    const Blob<Dtype>& b = *bottom[i];
    bool agree = b.num_axes() == first.num_axes();
    for (int a = 0; agree && a < first.num_axes(); ++a)
      agree = a == axis_ || b.shape(a) == first.shape(a);
    LAYER_ENFORCE(agree, "all bottoms must have the same shape except on the concat axis ", axis_,
                  ", but bottom 0 is ", first.shape_string(), " and bottom ", i, " is ",
                  b.shape_string());
    axis_size += b.shape(axis_);
  }
  LAYER_ENFORCE(axis_size <= INT_MAX, "the output would have size ", axis_size, " on the concat axis ",
                axis_, ", more than ", INT_MAX);
  shape[axis_] = static_cast<int>(axis_size);
  top[0]->Reshape(shape);
  if (bottom.size() == 1) top[0]->ShareData(first);
}

INSTANTIATE_CLASS(ConcatLayer);
REGISTER_LAYER_CLASS(Concat);

}  // namespace caffe
