#include "caffe/layers/reshape_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ReshapeLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  const BlobShape& shape = this->layer_param_.reshape_param().shape();
  copy_axes_.clear();
  inferred_axis_ = -1;
  constant_count_ = 1;
  for (int i = 0; i < shape.dim_size(); ++i) {
    const int64_t d = shape.dim(i);
    if (d == 0) {
      copy_axes_.push_back(i);
    } else if (d == -1) {
      LAYER_ENFORCE(inferred_axis_ == -1, "reshape_param.shape may contain at most one -1 ",
                    "(found at positions ", inferred_axis_, " and ", i, ")");
      inferred_axis_ = i;
    } else {
      LAYER_ENFORCE(d > 0, "reshape_param.shape dimensions must be positive, 0 (copy) or -1 ",
                    "(infer), got ", d, " at position ", i);
      // (both factors are at most INT_MAX: no overflow)
      LAYER_ENFORCE(d <= INT_MAX && constant_count_ * d <= INT_MAX, "reshape_param.shape asks "
                    "for more than ", INT_MAX, " elements, the most a blob can hold");
      constant_count_ *= d;
    }
  }
}

template <typename Dtype>
vector<int> ReshapeLayer<Dtype>::TopShape(const Blob<Dtype>& in) const {
  const ReshapeParameter& p = this->layer_param_.reshape_param();
  const int n = in.num_axes();
  const int start = p.axis() >= 0 ? p.axis() : n + p.axis() + 1;
  LAYER_ENFORCE(start >= 0 && start <= n, "reshape_param.axis ", p.axis(),
                " is out of range for a bottom of shape ", in.shape_string());
  LAYER_ENFORCE(p.num_axes() >= -1, "reshape_param.num_axes must be -1 (all) or more, got ",
                p.num_axes());
  const int end = p.num_axes() == -1 ? n : start + p.num_axes();
  LAYER_ENFORCE(end <= n, "reshape_param.axis ", p.axis(), " with num_axes ", p.num_axes(),
                " reaches past the ", n, " axes of the bottom ", in.shape_string());
  vector<int> shape(in.shape().begin(), in.shape().begin() + start);
  for (int i = 0; i < p.shape().dim_size(); ++i) shape.push_back(static_cast<int>(p.shape().dim(i)));
  shape.insert(shape.end(), in.shape().begin() + end, in.shape().end());
  // The product of the known sizes, stopped once it passes INT_MAX (then no bottom fits).
  int64_t known = constant_count_;
  auto times = [&known](int64_t d) { known = known > INT_MAX ? known : known * d; };
  times(in.count(0, start));
  times(in.count(end));
  for (int i : copy_axes_) {
    LAYER_ENFORCE(start + i < n, "reshape_param.shape has 0 (copy) at position ", i,
                  " but the bottom ", in.shape_string(), " has no axis ", start + i);
    shape[start + i] = in.shape(start + i);
    times(in.shape(start + i));
  }
  if (inferred_axis_ >= 0) {
    LAYER_ENFORCE(known != 0 && in.count() % known == 0, "cannot infer the -1 dimension: ",
                  in.count(), " elements of the bottom ", in.shape_string(),
                  " are not a multiple of the ", known, " given by the other dimensions");
    shape[start + inferred_axis_] = static_cast<int>(in.count() / known);
  }
  int64_t count = 1;
  for (int d : shape) count = count > INT_MAX ? count : count * d;
  std::string wanted;
  for (int d : shape) wanted += (wanted.empty() ? "" : " ") + std::to_string(d);
  LAYER_ENFORCE(count == in.count(), "the new shape (", wanted, ") has ",
                count > INT_MAX ? str_cat("more than ", INT_MAX) : std::to_string(count),
                " elements but the bottom ", in.shape_string(), " has ", in.count());
  return shape;
}

INSTANTIATE_CLASS(ReshapeLayer);
REGISTER_LAYER_CLASS(Reshape);

}  // namespace caffe
