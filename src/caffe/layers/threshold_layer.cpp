// Threshold's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer;
// this file registers the layer.
#include "caffe/layers/threshold_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(ThresholdLayer);
REGISTER_LAYER_CLASS(Threshold);

}  // namespace caffe
