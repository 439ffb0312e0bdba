// Device passes of SoftmaxWithLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/softmax_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SoftmaxWithLossLayer);

}  // namespace caffe
