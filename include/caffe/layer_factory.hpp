// The layer registry: maps the `type` string of a prototxt layer ("Convolution",
// "SpatialTransformer", ...) to a constructor (registry.hpp). A layer registers itself in
// its .cpp with REGISTER_LAYER_CLASS(Type), which expects a class named TypeLayer;
// REGISTER_LAYER_CREATOR registers a function template instead.
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

#define REGISTER_LAYER_CREATOR(type, creator)                                                \
  static ::caffe::Registerer<::caffe::Layer<float>, ::caffe::LayerParameter>                 \
      g_layer_f_##type(#type, creator<float>);                                               \
  static ::caffe::Registerer<::caffe::Layer<double>, ::caffe::LayerParameter>                \
      g_layer_d_##type(#type, creator<double>)

#define REGISTER_LAYER_CLASS(type)                                                           \
  template <typename Dtype>                                                                  \
  std::unique_ptr<::caffe::Layer<Dtype>> Creator_##type##Layer(                              \
      const ::caffe::LayerParameter& param) {                                                \
    return std::unique_ptr<::caffe::Layer<Dtype>>(new type##Layer<Dtype>(param));            \
  }                                                                                          \
  REGISTER_LAYER_CREATOR(type, Creator_##type##Layer)

}  // namespace caffe
