#include "caffe/layers/lstm_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LSTMLayer);

}  // namespace caffe
