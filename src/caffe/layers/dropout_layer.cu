// Device passes of Dropout: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/dropout_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(DropoutLayer);

}  // namespace caffe
