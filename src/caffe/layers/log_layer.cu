#include "caffe/layers/log_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LogLayer);

}  // namespace caffe
