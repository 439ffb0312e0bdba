// Device passes of Slice: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/slice_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(SliceLayer);

}  // namespace caffe
