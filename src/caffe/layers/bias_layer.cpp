#include "caffe/layers/bias_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
typename ScaleBiasLayer<Dtype>::Config BiasLayer<Dtype>::config() const {
  const BiasParameter& p = this->layer_param_.bias_param();
  return {false, true, p.axis(), p.num_axes(), filler_or_constant(p.has_filler(), p.filler(), 0),
          FillerParameter()};
}

INSTANTIATE_CLASS(BiasLayer);
REGISTER_LAYER_CLASS(Bias);

}  // namespace caffe
