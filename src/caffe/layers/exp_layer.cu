#include "caffe/layers/exp_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ExpLayer);

}  // namespace caffe
