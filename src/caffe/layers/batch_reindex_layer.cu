#include "caffe/layers/batch_reindex_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(BatchReindexLayer);

}  // namespace caffe
