// Device passes of PReLU: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/prelu_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(PReLULayer);

}  // namespace caffe
