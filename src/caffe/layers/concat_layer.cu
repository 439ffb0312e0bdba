// Device passes of Concat: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/concat_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ConcatLayer);

}  // namespace caffe
