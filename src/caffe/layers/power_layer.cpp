// Power's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer;
// this file registers the layer.
#include "caffe/layers/power_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(PowerLayer);
REGISTER_LAYER_CLASS(Power);

}  // namespace caffe
