#include "caffe/layers/crop_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void CropLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                               const vector<Blob<Dtype>*>& top) {
  const CropParameter& p = this->layer_param_.crop_param();
  const Blob<Dtype>& x = *bottom[0];
  const Blob<Dtype>& ref = *bottom[1];
  const int n = x.num_axes();
  LAYER_ENFORCE(ref.num_axes() == n, "both bottoms must have the same number of axes, got ",
                x.shape_string(), " and ", ref.shape_string());
  LAYER_ENFORCE(n <= kernels::kMaxCropAxes, "at most ", kernels::kMaxCropAxes,
                " axes are supported, got ", x.shape_string());
  const int axis = checked_axis(this->where(), x, p.axis(), "crop_param.axis");
  LAYER_ENFORCE(p.offset_size() <= 1 || p.offset_size() == n - axis, "expected 0, 1 or ",
                n - axis, " crop offsets (one per axis from axis ", axis, "), got ",
                p.offset_size());
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place");
  vector<int> shape = x.shape();
  kernels::CropGeometry& g = geometry_;
  g.num_axes = n;
  int64_t stride = 1;
  for (int a = n - 1; a >= 0; --a) {
    g.bottom_stride[a] = stride;
    stride *= x.shape(a);
    g.offset[a] = 0;
    if (a >= axis) {
      const int off = p.offset_size() == 0 ? 0 : p.offset(p.offset_size() == 1 ? 0 : a - axis);
      LAYER_ENFORCE(off + ref.shape(a) <= x.shape(a), "axis ", a, ": a crop of ", ref.shape(a),
                    " at offset ", off, " does not fit in ", x.shape(a), " (bottom shapes ",
                    x.shape_string(), " and ", ref.shape_string(), ")");
      g.offset[a] = off;
      shape[a] = ref.shape(a);
    }
    g.top_shape[a] = shape[a];
  }
  top[0]->Reshape(shape);
}

INSTANTIATE_CLASS(CropLayer);
REGISTER_LAYER_CLASS(Crop);

}  // namespace caffe
