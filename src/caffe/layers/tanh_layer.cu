#include "caffe/layers/tanh_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(TanHLayer);

}  // namespace caffe
