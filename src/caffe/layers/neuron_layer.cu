// Device passes of the element-wise neuron layers (ReLU, Sigmoid, TanH, Power, ELU, AbsVal,
// Exp, Log, BNLL, Threshold): the same ForwardOn / BackwardOn steps as on the host, run
// through gpu_for.
#include "caffe/kernels/neuron_more.hpp"
#include "caffe/layers/neuron_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

template <typename Dtype, template <typename> class Op>
void ElementwiseNeuronLayer<Dtype, Op>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                                    const vector<Blob<Dtype>*>& top) {
  ForwardOn<GpuSide>(bottom, top);
}

template <typename Dtype, template <typename> class Op>
void ElementwiseNeuronLayer<Dtype, Op>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                                     const vector<bool>& propagate_down,
                                                     const vector<Blob<Dtype>*>& bottom) {
  BackwardOn<GpuSide>(top, propagate_down, bottom);
}

#define INSTANTIATE_NEURON_GPU(Op)                                  \
  template class ElementwiseNeuronLayer<float, kernels::Op>;        \
  template class ElementwiseNeuronLayer<double, kernels::Op>

INSTANTIATE_NEURON_GPU(ReLUOp);
INSTANTIATE_NEURON_GPU(SigmoidOp);
INSTANTIATE_NEURON_GPU(TanHOp);
INSTANTIATE_NEURON_GPU(PowerOp);
INSTANTIATE_NEURON_GPU(ELUOp);
INSTANTIATE_NEURON_GPU(AbsValOp);
INSTANTIATE_NEURON_GPU(ExpOp);
INSTANTIATE_NEURON_GPU(LogOp);
INSTANTIATE_NEURON_GPU(BNLLOp);
INSTANTIATE_NEURON_GPU(ThresholdOp);

}  // namespace caffe
