// TanH's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer;
// this file registers the layer.
#include "caffe/layers/tanh_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(TanHLayer);
REGISTER_LAYER_CLASS(TanH);

}  // namespace caffe
