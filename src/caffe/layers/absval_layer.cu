#include "caffe/layers/absval_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(AbsValLayer);

}  // namespace caffe
