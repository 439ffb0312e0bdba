#include "caffe/layers/parameter_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(ParameterLayer);

}  // namespace caffe
