// Sigmoid's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer;
// this file registers the layer.
#include "caffe/layers/sigmoid_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(SigmoidLayer);
REGISTER_LAYER_CLASS(Sigmoid);

}  // namespace caffe
