// Device passes of Convolution and Deconvolution: the host's ForwardOn / BackwardOn steps
// (base_conv_layer.hpp), run on GpuSide.
#include "caffe/layers/base_conv_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(BaseConvolutionLayer);

}  // namespace caffe
