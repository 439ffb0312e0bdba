// Device passes of SmoothL1Loss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/smooth_l1_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SmoothL1LossLayer);

}  // namespace caffe
