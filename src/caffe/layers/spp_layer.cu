#include "caffe/layers/spp_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SPPLayer);

}  // namespace caffe
