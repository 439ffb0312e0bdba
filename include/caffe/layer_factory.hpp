// The layer registry: maps the `type` string of a prototxt layer ("Convolution",
// "SpatialTransformer", ...) to a constructor (registry.hpp). A layer registers itself in
// its .cpp with REGISTER_LAYER_CLASS(Type), which expects a class named TypeLayer.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/proto/caffe.pb.h"
#include "caffe/registry.hpp"

namespace caffe {

template <typename Dtype>
using LayerRegistry = Registry<Layer<Dtype>, LayerParameter>;

// Builds the layer for param.type(); an unknown type raises ParseError naming the layer
// and listing the known types.
template <typename Dtype>
std::unique_ptr<Layer<Dtype>> CreateLayer(const LayerParameter& param) {
  return LayerRegistry<Dtype>::Create(param.type(), param, "layer '" + param.name() + "'");
}

#define REGISTER_LAYER_CLASS(type) CAFFE_REGISTER_CLASS(Layer, LayerParameter, type, type##Layer)

}  // namespace caffe
