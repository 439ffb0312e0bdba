// Exp's per-element math lives in caffe/kernels/neuron.hpp and its passes in
// ElementwiseNeuronLayer; this file turns exp_param into the op's constants.
#include "caffe/layers/exp_layer.hpp"

#include <cmath>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ExpLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const ExpParameter& p = this->layer_param_.exp_param();
  LAYER_ENFORCE(p.base() > 0 || p.base() == -1, "exp_param.base must be positive or -1 (e), got ",
                p.base());
  const double log_base = p.base() == -1 ? 1.0 : std::log(static_cast<double>(p.base()));
  op_.inner_scale = static_cast<Dtype>(log_base * p.scale());
  op_.outer_scale = static_cast<Dtype>(std::exp(log_base * p.shift()));
}

INSTANTIATE_CLASS(ExpLayer);
REGISTER_LAYER_CLASS(Exp);

}  // namespace caffe
