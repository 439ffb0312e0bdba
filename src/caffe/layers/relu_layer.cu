#include "caffe/layers/relu_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ReLULayer);

}  // namespace caffe
