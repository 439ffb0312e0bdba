#include "caffe/layers/clip_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ClipLayer);

}  // namespace caffe
