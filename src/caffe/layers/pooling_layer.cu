#include "caffe/layers/pooling_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(PoolingLayer);

}  // namespace caffe
