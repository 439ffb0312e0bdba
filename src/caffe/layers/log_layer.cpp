// Log's per-element math lives in caffe/kernels/neuron.hpp and its passes in
// ElementwiseNeuronLayer; this file turns log_param into the op's constants.
#include "caffe/layers/log_layer.hpp"

#include <cmath>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void LogLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const LogParameter& p = this->layer_param_.log_param();
  LAYER_ENFORCE((p.base() > 0 && p.base() != 1) || p.base() == -1,
                "log_param.base must be positive and not 1, or -1 (e), got ", p.base());
  const double log_base = p.base() == -1 ? 1.0 : std::log(static_cast<double>(p.base()));
  op_ = {static_cast<Dtype>(p.scale()), static_cast<Dtype>(p.shift()),
         static_cast<Dtype>(1.0 / log_base)};
}

INSTANTIATE_CLASS(LogLayer);
REGISTER_LAYER_CLASS(Log);

}  // namespace caffe
