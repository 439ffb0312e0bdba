#include "caffe/layers/filter_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(FilterLayer);

}  // namespace caffe
