// Device passes of MVN: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/mvn_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(MVNLayer);

}  // namespace caffe
