// Device passes of ContrastiveLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/contrastive_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ContrastiveLossLayer);

}  // namespace caffe
