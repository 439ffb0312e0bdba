#include "caffe/layers/bnll_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(BNLLLayer);

}  // namespace caffe
