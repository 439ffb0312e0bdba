#include "caffe/layers/power_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(PowerLayer);

}  // namespace caffe
