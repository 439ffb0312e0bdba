// Device passes of Embed: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/embed_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(EmbedLayer);

}  // namespace caffe
