#include "caffe/layers/split_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SplitLayer);

}  // namespace caffe
