// NeuronLayer: the base of layers that map one bottom to one top of the same shape,
// element by element; the top may be the bottom itself (in-place).
// ElementwiseNeuronLayer<Dtype, Op>: a neuron layer defined entirely by a per-element
// op from caffe/kernels/neuron.hpp (forward value and derivative), run by cpu_for on
// the host and gpu_for on the device.
//
// In place, as in BVLC, a layer's backward reads the shared blob as it is at backward
// time: ReLU (slope >= 0), Sigmoid and TanH read their own output there, so a later
// in-place layer on the same blob must keep what they need (ReLU then Dropout is fine;
// Sigmoid then TanH in place is not). Layers whose backward needs the overwritten input
// (Power, ReLU with a negative slope) keep a private copy of it.
#pragma once

#include "caffe/kernels/neuron.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class NeuronLayer : public Layer<Dtype> {
 public:
  explicit NeuronLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
};

template <typename Dtype, template <typename> class Op>
class ElementwiseNeuronLayer : public NeuronLayer<Dtype> {
 public:
  explicit ElementwiseNeuronLayer(const LayerParameter& param) : NeuronLayer<Dtype>(param) {}

 protected:
  // The op with this layer's parameters.
  virtual Op<Dtype> op() const = 0;
  // Whether backward needs the input x itself (not only the output y); such a layer
  // keeps a copy of x when it runs in place, since forward overwrites it.
  virtual bool backward_reads_input() const { return false; }

  // The passes; each concrete layer turns them into Forward_cpu / _gpu and Backward_cpu /
  // _gpu with CAFFE_LAYER_PASSES_ON_SIDES in its header and DEFINE_LAYER_GPU_PASSES in its .cu.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int n = bottom[0]->count();
    if (bottom[0] == top[0] && backward_reads_input()) {
      input_copy_.ReshapeLike(*bottom[0]);
      Side::copy(n, Side::data(bottom[0]), Side::mutable_data(&input_copy_));
    }
    Side::for_n(n, kernels::NeuronForward<Dtype, Op<Dtype>>{
                       Side::data(bottom[0]), Side::mutable_data(top[0]), op()});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const Blob<Dtype>* input =
        (bottom[0] == top[0] && backward_reads_input()) ? &input_copy_ : bottom[0];
    Side::for_n(bottom[0]->count(), kernels::NeuronBackward<Dtype, Op<Dtype>>{
        Side::data(input), Side::data(top[0]), Side::diff(top[0]),
        Side::mutable_diff(bottom[0]), op()});
  }

  Blob<Dtype> input_copy_;
};

}  // namespace caffe
