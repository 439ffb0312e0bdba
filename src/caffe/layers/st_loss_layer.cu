// Device passes of STLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/st_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(STLossLayer);

}  // namespace caffe
