// Dropout: in TRAIN, zeroes each element with probability dropout_ratio (the mask is
// drawn from Caffe::rng() on the host, from cuRAND on the device) and scales the kept
// ones by 1 / (1 - dropout_ratio); in TEST it passes the input through. With
// dropout_param.scale_train = false, TRAIN is unscaled and TEST multiplies by
// (1 - dropout_ratio) instead. May run in place.
#pragma once

#include <climits>

#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class DropoutLayer : public NeuronLayer<Dtype> {
 public:
  explicit DropoutLayer(const LayerParameter& param) : NeuronLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Dropout"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  kernels::DropoutOp<Dtype> MaskOp() {
    return {static_cast<const unsigned int*>(Side::mem(draws_.get())), threshold_, train_scale_};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int n = bottom[0]->count();
    const Dtype* x = Side::data(bottom[0]);
    Dtype* y = Side::mutable_data(top[0]);
    if (this->phase() == TRAIN) {
      Side::rng_uint(n, static_cast<unsigned int*>(Side::mutable_mem(draws_.get())));
      Side::for_n(n, kernels::DropoutApply<Dtype>{x, y, MaskOp<Side>()});
    } else {
      Side::copy(n, x, y);
      if (test_scale_ != Dtype(1)) Side::scal(n, test_scale_, y);
    }
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const int n = bottom[0]->count();
    const Dtype* dy = Side::diff(top[0]);
    Dtype* dx = Side::mutable_diff(bottom[0]);
    if (this->phase() == TRAIN) {
      Side::for_n(n, kernels::DropoutApply<Dtype>{dy, dx, MaskOp<Side>()});
    } else {
      Side::copy(n, dy, dx);
      if (test_scale_ != Dtype(1)) Side::scal(n, test_scale_, dx);
    }
  }

  // One uniform 32-bit draw per element; an element is kept when its draw > threshold_.
  shared_ptr<SyncedMemory> draws_;
  unsigned int threshold_ = 0;
  Dtype train_scale_ = 1, test_scale_ = 1;
};

}  // namespace caffe
