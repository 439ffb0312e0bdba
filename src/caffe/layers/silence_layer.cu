#include "caffe/layers/silence_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SilenceLayer);

}  // namespace caffe
