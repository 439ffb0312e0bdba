// Device passes of InnerProduct: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/inner_product_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(InnerProductLayer);

}  // namespace caffe
