// Swish's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer.
#include "caffe/layers/swish_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(SwishLayer);
REGISTER_LAYER_CLASS(Swish);

}  // namespace caffe
