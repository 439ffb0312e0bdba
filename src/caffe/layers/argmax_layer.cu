// Device passes of ArgMax: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/argmax_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ArgMaxLayer);

}  // namespace caffe
