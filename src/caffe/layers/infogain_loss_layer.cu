// Device passes of InfogainLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/infogain_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(InfogainLossLayer);

}  // namespace caffe
