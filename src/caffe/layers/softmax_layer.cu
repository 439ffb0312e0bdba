// Device passes of Softmax: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/softmax_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SoftmaxLayer);

}  // namespace caffe
