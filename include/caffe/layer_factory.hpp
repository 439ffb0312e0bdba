// The layer registry: maps a type string ("Convolution", "SpatialTransformer", ...)
// to a creator. A layer registers itself in its .cpp with REGISTER_LAYER_CLASS(Type),
// which expects a class named TypeLayer; REGISTER_LAYER_CREATOR registers a function.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "caffe/common.hpp"
#include "caffe/layer.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

template <typename Dtype>
class LayerRegistry {
 public:
  using Creator = std::function<shared_ptr<Layer<Dtype>>(const LayerParameter&)>;
  using CreatorRegistry = std::map<std::string, Creator>;

  static CreatorRegistry& Registry();
  // Registering a type twice is a programming error (two layers claiming one name).
  static void AddCreator(const std::string& type, Creator creator);
  // Builds the layer for param.type(); an unknown type raises ParseError listing the known ones.
  static shared_ptr<Layer<Dtype>> CreateLayer(const LayerParameter& param);
  static std::vector<std::string> LayerTypeList();
};

template <typename Dtype>
struct LayerRegisterer {
  LayerRegisterer(const std::string& type, typename LayerRegistry<Dtype>::Creator creator) {
    LayerRegistry<Dtype>::AddCreator(type, std::move(creator));
  }
};

#define REGISTER_LAYER_CREATOR(type, creator)                                              \
  static ::caffe::LayerRegisterer<float> g_creator_f_##type(#type, creator<float>);       \
  static ::caffe::LayerRegisterer<double> g_creator_d_##type(#type, creator<double>)

#define REGISTER_LAYER_CLASS(type)                                                         \
  template <typename Dtype>                                                                \
  ::caffe::shared_ptr<::caffe::Layer<Dtype>> Creator_##type##Layer(                         \
      const ::caffe::LayerParameter& param) {                                              \
    return ::caffe::shared_ptr<::caffe::Layer<Dtype>>(new type##Layer<Dtype>(param));      \
  }                                                                                        \
  REGISTER_LAYER_CREATOR(type, Creator_##type##Layer)

}  // namespace caffe
