// Device passes of Scale and Bias: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/scale_bias_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ScaleBiasLayer);

}  // namespace caffe
