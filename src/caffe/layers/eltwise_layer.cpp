#include "caffe/layers/eltwise_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void EltwiseLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  const EltwiseParameter& p = this->layer_param_.eltwise_param();
  kind_ = p.operation();
  stable_prod_grad_ = p.stable_prod_grad();
  const int n = static_cast<int>(bottom.size());
  LAYER_ENFORCE(p.coeff_size() == 0 || p.operation() == EltwiseParameter_EltwiseOp_SUM,
                "eltwise_param.coeff is only allowed with operation SUM");
  LAYER_ENFORCE(p.coeff_size() == 0 || p.coeff_size() == n, "eltwise_param.coeff needs one value "
                "per bottom (", n, "), got ", p.coeff_size());
  coeffs_.Reshape({n});
  Dtype* c = coeffs_.mutable_cpu_data();
  for (int i = 0; i < n; ++i) c[i] = p.coeff_size() ? static_cast<Dtype>(p.coeff(i)) : Dtype(1);
  pointers_.reset(new SyncedMemory(sizeof(Dtype*) * n));
}

template <typename Dtype>
void EltwiseLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  for (size_t i = 0; i < bottom.size(); ++i) {
    LAYER_ENFORCE(bottom[i]->shape() == bottom[0]->shape(), "all bottoms must have the same shape, ",
                  "but bottom 0 is ", bottom[0]->shape_string(), " and bottom ", i, " is ",
                  bottom[i]->shape_string());
    LAYER_ENFORCE(top[0] != bottom[i], "cannot run in place (top is bottom ", i, ")");
  }
  top[0]->ReshapeLike(*bottom[0]);
  if (kind_ == kernels::kEltwiseMax) arg_.ReshapeLike(*bottom[0]);
}

INSTANTIATE_CLASS(EltwiseLayer);
REGISTER_LAYER_CLASS(Eltwise);

}  // namespace caffe
