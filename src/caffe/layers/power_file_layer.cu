// Device passes of PowerFile: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/power_file_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(PowerFileLayer);

}  // namespace caffe
