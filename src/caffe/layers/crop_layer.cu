// Device passes of Crop: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/crop_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(CropLayer);

}  // namespace caffe
