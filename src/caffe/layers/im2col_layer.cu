#include "caffe/layers/im2col_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(Im2colLayer);

}  // namespace caffe
