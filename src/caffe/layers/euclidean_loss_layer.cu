// Device passes of EuclideanLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/euclidean_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(EuclideanLossLayer);

}  // namespace caffe
