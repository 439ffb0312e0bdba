// Device passes of BatchNorm: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/batch_norm_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(BatchNormLayer);

}  // namespace caffe
