#include "caffe/layers/slice_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void SliceLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                const vector<Blob<Dtype>*>& top) {
  const SliceParameter& p = this->layer_param_.slice_param();
  const Blob<Dtype>& x = *bottom[0];
  LAYER_ENFORCE(!(p.has_axis() && p.has_slice_dim()),
                "give either slice_param.axis or the legacy slice_dim, not both");
  if (p.has_slice_dim()) {
    LAYER_ENFORCE(static_cast<int>(p.slice_dim()) < x.num_axes(), "slice_dim ", p.slice_dim(),
                  " is out of range for a bottom of shape ", x.shape_string());
    axis_ = static_cast<int>(p.slice_dim());
  } else {
    axis_ = checked_axis(this->where(), x, p.axis(), "slice_param.axis");
  }
  const int total = x.shape(axis_);
  const int parts = static_cast<int>(top.size());
  vector<int> sizes;
  if (p.slice_point_size() > 0) {
    LAYER_ENFORCE(p.slice_point_size() == parts - 1, "expected ", parts - 1,
                  " slice points for ", parts, " tops, got ", p.slice_point_size());
    int prev = 0;
    for (int i = 0; i <= p.slice_point_size(); ++i) {
      const int point = i < p.slice_point_size() ? static_cast<int>(p.slice_point(i)) : total;
      LAYER_ENFORCE(point > prev && point <= total, "slice points must increase within (0, ",
                    total, ") on axis ", axis_, " of shape ", x.shape_string(), ", got ", point,
                    " after ", prev);
      sizes.push_back(point - prev);
      prev = point;
    }
  } else {
    LAYER_ENFORCE(total % parts == 0, "axis ", axis_, " of shape ", x.shape_string(),
                  " cannot be cut into ", parts, " equal parts");
    sizes.assign(parts, total / parts);
  }
  vector<int> shape = x.shape();
  for (int i = 0; i < parts; ++i) {
    LAYER_ENFORCE(top[i] != bottom[0], "cannot run in place (top ", i, " is the bottom)");
    shape[axis_] = sizes[i];
    top[i]->Reshape(shape);
  }
}

INSTANTIATE_CLASS(SliceLayer);
REGISTER_LAYER_CLASS(Slice);

}  // namespace caffe
