// Device passes of Convolution: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/conv_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ConvolutionLayer);

}  // namespace caffe
