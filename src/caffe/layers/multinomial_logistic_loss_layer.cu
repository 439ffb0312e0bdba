// Device passes of MultinomialLogisticLoss: the host's ForwardOn / BackwardOn steps, run on GpuSide.
#include "caffe/layers/multinomial_logistic_loss_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

DEFINE_LAYER_GPU_PASSES(MultinomialLogisticLossLayer);

}  // namespace caffe
