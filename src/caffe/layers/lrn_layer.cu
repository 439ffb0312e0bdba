#include "caffe/layers/lrn_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LRNLayer);

}  // namespace caffe
