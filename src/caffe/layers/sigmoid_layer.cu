#include "caffe/layers/sigmoid_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SigmoidLayer);

}  // namespace caffe
