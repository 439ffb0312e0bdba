// Scale: y = x * s (+ b with scale_param.bias_term), s broadcast over the axes from
// scale_param.axis; s is a second bottom or a learned blob (filler default: constant 1;
// bias_filler default: constant 0). See ScaleBiasLayer.
#pragma once

#include "caffe/layers/scale_bias_layer.hpp"

namespace caffe {

template <typename Dtype>
class ScaleLayer : public ScaleBiasLayer<Dtype> {
 public:
  explicit ScaleLayer(const LayerParameter& param) : ScaleBiasLayer<Dtype>(param) {}
  const char* type() const override { return "Scale"; }

 protected:
  typename ScaleBiasLayer<Dtype>::Config config() const override;
};

}  // namespace caffe
