// Device passes of Eltwise: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/eltwise_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(EltwiseLayer);

}  // namespace caffe
