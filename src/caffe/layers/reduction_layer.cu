// Device passes of Reduction: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/reduction_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ReductionLayer);

}  // namespace caffe
