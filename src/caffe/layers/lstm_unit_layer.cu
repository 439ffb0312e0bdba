#include "caffe/layers/lstm_unit_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LSTMUnitLayer);

}  // namespace caffe
