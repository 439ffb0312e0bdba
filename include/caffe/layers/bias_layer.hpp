// Bias: y = x + b, b broadcast over the axes from bias_param.axis; b is a second bottom or
// a learned blob (filler default: constant 0). See ScaleBiasLayer.
#pragma once

#include "caffe/layers/scale_bias_layer.hpp"

namespace caffe {

template <typename Dtype>
class BiasLayer : public ScaleBiasLayer<Dtype> {
 public:
  explicit BiasLayer(const LayerParameter& param) : ScaleBiasLayer<Dtype>(param) {}
  const char* type() const override { return "Bias"; }

 protected:
  typename ScaleBiasLayer<Dtype>::Config config() const override;
};

}  // namespace caffe
