// AbsVal's math lives in caffe/kernels/neuron_more.hpp and its passes in
// ElementwiseNeuronLayer (the CUDA twins in neuron_layer.cu); this file registers the layer.
#include "caffe/layers/absval_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

INSTANTIATE_CLASS(AbsValLayer);
REGISTER_LAYER_CLASS(AbsVal);

}  // namespace caffe
