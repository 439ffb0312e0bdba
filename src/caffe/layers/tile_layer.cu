// Device passes of Tile: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/tile_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(TileLayer);

}  // namespace caffe
