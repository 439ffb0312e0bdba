#include "caffe/layers/threshold_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ThresholdLayer);

}  // namespace caffe
