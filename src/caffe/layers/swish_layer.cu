#include "caffe/layers/swish_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SwishLayer);

}  // namespace caffe
