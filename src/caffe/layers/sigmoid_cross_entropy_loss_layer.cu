// Device passes of SigmoidCrossEntropyLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/sigmoid_cross_entropy_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SigmoidCrossEntropyLossLayer);

}  // namespace caffe
