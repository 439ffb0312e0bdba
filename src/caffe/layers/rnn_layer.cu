#include "caffe/layers/rnn_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(RNNLayer);

}  // namespace caffe
