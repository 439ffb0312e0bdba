// Flatten: merges axes flatten_param.axis .. end_axis (defaults 1 and -1) into one;
// e.g. N x C x H x W -> N x (C*H*W). The top shares the bottom's memory (ViewLayer).
#pragma once

#include "caffe/layers/view_layer.hpp"

namespace caffe {

template <typename Dtype>
class FlattenLayer : public ViewLayer<Dtype> {
 public:
  explicit FlattenLayer(const LayerParameter& param) : ViewLayer<Dtype>(param) {}
  const char* type() const override { return "Flatten"; }

 protected:
  vector<int> TopShape(const Blob<Dtype>& bottom) const override;
};

}  // namespace caffe
