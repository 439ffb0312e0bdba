// Device passes of LocLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/loc_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(LocLossLayer);

}  // namespace caffe
