// AbsVal's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer;
// this file registers the layer.
#include "caffe/layers/absval_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(AbsValLayer);
REGISTER_LAYER_CLASS(AbsVal);

}  // namespace caffe
