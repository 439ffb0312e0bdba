// Device pass of Accuracy: hits are marked per position on the device (TopKHitAt),
// then totalled on the host as in the CPU pass.
#include "caffe/layers/accuracy_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(AccuracyLayer);

}  // namespace caffe
