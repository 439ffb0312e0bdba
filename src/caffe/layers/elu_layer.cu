#include "caffe/layers/elu_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ELULayer);

}  // namespace caffe
