// Device passes of HingeLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/hinge_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(HingeLossLayer);

}  // namespace caffe
