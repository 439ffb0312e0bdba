#include "caffe/layers/repeat_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(RepeatLayer);

}  // namespace caffe
