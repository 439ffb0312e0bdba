#include "caffe/layers/scale_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
typename ScaleBiasLayer<Dtype>::Config ScaleLayer<Dtype>::config() const {
  const ScaleParameter& p = this->layer_param_.scale_param();
  return {true, p.bias_term(), p.axis(), p.num_axes(),
          filler_or_constant(p.has_filler(), p.filler(), 1),
          filler_or_constant(p.has_bias_filler(), p.bias_filler(), 0)};
}

INSTANTIATE_CLASS(ScaleLayer);
REGISTER_LAYER_CLASS(Scale);

}  // namespace caffe
