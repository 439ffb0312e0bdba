#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
typename LayerRegistry<Dtype>::CreatorRegistry& LayerRegistry<Dtype>::Registry() {
  static CreatorRegistry registry;
  return registry;
}

template <typename Dtype>
void LayerRegistry<Dtype>::AddCreator(const std::string& type, Creator creator) {
  CreatorRegistry& registry = Registry();
  CAFFE_ENFORCE(registry.count(type) == 0, "layer type '", type, "' is registered twice");
  registry[type] = std::move(creator);
}

template <typename Dtype>
shared_ptr<Layer<Dtype>> LayerRegistry<Dtype>::CreateLayer(const LayerParameter& param) {
  CreatorRegistry& registry = Registry();
  auto it = registry.find(param.type());
  if (it == registry.end()) {
    std::string known;
    for (const auto& kv : registry) known += (known.empty() ? "" : ", ") + kv.first;
    CAFFE_THROW_AS(ParseError, "layer '", param.name(), "' has unknown type '", param.type(),
                   "'; known types: ", known);
  }
  return it->second(param);
}

template <typename Dtype>
std::vector<std::string> LayerRegistry<Dtype>::LayerTypeList() {
  std::vector<std::string> types;
  for (const auto& kv : Registry()) types.push_back(kv.first);
  return types;
}

template class LayerRegistry<float>;
template class LayerRegistry<double>;

}  // namespace caffe
