#include "caffe/layers/fork_lstm_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LstmLayer);

}  // namespace caffe
