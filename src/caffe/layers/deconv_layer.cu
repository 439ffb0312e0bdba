// Device passes of Deconvolution: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/deconv_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(DeconvolutionLayer);

}  // namespace caffe
