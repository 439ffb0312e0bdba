// Resource limits of a Net: errors from a layer's blobs and allocations get the layer's
// (and the blob's) name, and a net whose blobs need more memory than the process can have
// is refused while it is built, before its outputs are allocated.
#include <new>

#include "caffe/net.hpp"

namespace caffe {

template <typename Dtype>
std::string Net<Dtype>::LayerWhere(int layer_id) const {
  return str_cat("layer '", layer_names_[layer_id], "' (", layers_[layer_id]->type(), "): ");
}

template <typename Dtype>
void Net<Dtype>::RethrowNamingLayer(int layer_id) const {
  const std::string where = LayerWhere(layer_id);
  try {
    throw;
  } catch (const BlobShapeError& e) {
    std::string blob = "a parameter or internal blob";
    for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t) {
      if (top_vecs_[layer_id][t] == e.blob())
        blob = str_cat("top '", blob_names_[top_id_vecs_[layer_id][t]], "'");
    }
    const auto& params = layers_[layer_id]->blobs();
    for (size_t p = 0; p < params.size(); ++p)
      if (params[p].get() == e.blob()) blob = str_cat("parameter blob ", p);
    CAFFE_THROW_AS(ShapeError, where, blob, ": ", e.what());
  } catch (const MemoryError& e) {
    CAFFE_THROW_AS(MemoryError, where, e.what());
  } catch (const std::bad_alloc& e) {
    CAFFE_THROW_AS(MemoryError, where, "out of memory (", e.what(), ")");
  }
}

template <typename Dtype>
void Net<Dtype>::CountHostMemory(int layer_id, size_t limit, MemoryCount* count) const {
  // The largest new buffer of this layer, to name in the message.
  size_t largest = 0;
  std::string largest_name;
  auto add = [&](const Blob<Dtype>* blob, const std::string& name) {
    const SyncedMemory* mem = blob->data().get();
    if (!mem || !count->seen.insert(mem).second) return;
    count->bytes += mem->size();
    if (mem->size() >= largest) {
      largest = mem->size();
      largest_name = str_cat(name, " (shape ", blob->shape_string(), ")");
    }
  };
  for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t)
    add(top_vecs_[layer_id][t], str_cat("top '", blob_names_[top_id_vecs_[layer_id][t]], "'"));
  const auto& params = layers_[layer_id]->blobs();
  for (size_t p = 0; p < params.size(); ++p) add(params[p].get(), str_cat("parameter blob ", p));
  CAFFE_ENFORCE_AS(MemoryError, count->bytes <= limit, LayerWhere(layer_id), "its ", largest_name,
                   " needs ", largest, " bytes, which brings the data of the net's blobs to ",
                   count->bytes, " bytes, more than the ", limit, " bytes of memory this "
                   "process can have (RAM + swap, or its resource limit)");
}

#define INSTANTIATE_NET_LIMITS(Dtype)                                   \
  template std::string Net<Dtype>::LayerWhere(int) const;              \
  template void Net<Dtype>::RethrowNamingLayer(int) const;             \
  template void Net<Dtype>::CountHostMemory(int, size_t, MemoryCount*) const;
INSTANTIATE_NET_LIMITS(float)
INSTANTIATE_NET_LIMITS(double)

}  // namespace caffe
