// Lstm: the spatial-transformer fork's LSTM layer (lstm_param; BVLC's own LSTM layer is
// type "LSTM", lstm_layer.hpp). Bottom 0 holds T time steps of N = lstm_param.batch_size
// sequences, time-major: (T*N) x I (I = everything after the first axis). The optional
// bottom 1 holds T*N continuation indicators: 0 starts a new sequence at that step (the
// previous hidden and cell state are ignored), non-zero continues it. Top: the hidden
// states, (T*N) x H with H = lstm_param.num_output.
//
// Gates i, f, o, g (sigmoid, sigmoid, sigmoid, tanh) of x_t W_x^T + h_{t-1} W_h^T + b;
// c_t = f c_{t-1} + i g, h_t = o tanh(c_t). Parameter blobs, in order: input-to-hidden
// W_x (4H x I), hidden-to-hidden W_h (4H x H), bias b (4H), filled by weight_filler and
// bias_filler. lstm_param.clipping_threshold > 0 clamps the gradients of the gate
// pre-activations into [-threshold, threshold] (so backward is then no longer the exact
// gradient).
//
// State between passes, as in the fork: without indicators every forward pass starts from
// zero states. With indicators, the states at the end of one forward pass are the initial
// states of the next (truncated back-propagation through time), used where the first
// step's indicator is non-zero; no gradient flows into them.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/layers/lstm_core.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class LstmLayer : public Layer<Dtype> {
 public:
  explicit LstmLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "Lstm"; }
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  typename LstmCore<Dtype>::Args args(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
    typename LstmCore<Dtype>::Args a;
    a.x = Side::data(bottom[0]);
    a.cont = bottom.size() > 1 ? Side::data(bottom[1]) : nullptr;
    a.binary_cont = true;
    a.w_x = Side::data(this->blobs_[0].get());
    a.w_h = Side::data(this->blobs_[1].get());
    a.b = Side::data(this->blobs_[2].get());
    a.h0 = Side::data(&h0_);
    a.c0 = Side::data(&c0_);
    a.h = Side::mutable_data(top[0]);
    a.clip = clip_;
    return a;
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int NH = N_ * H_;
    if (bottom.size() > 1) {
      Side::copy(NH, Side::data(&hT_), Side::mutable_data(&h0_));
      Side::copy(NH, Side::data(&cT_), Side::mutable_data(&c0_));
    } else {
      Side::set(NH, Dtype(0), Side::mutable_data(&h0_));
      Side::set(NH, Dtype(0), Side::mutable_data(&c0_));
    }
    core_.template Forward<Side>(args<Side>(bottom, top));
    const int64_t last = int64_t(T_ - 1) * NH;
    Side::copy(NH, Side::data(top[0]) + last, Side::mutable_data(&hT_));
    Side::copy(NH, Side::data(&core_.cell()) + last, Side::mutable_data(&cT_));
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    typename LstmCore<Dtype>::Grads g;
    g.dh = Side::diff(top[0]);
    if (propagate_down[0]) g.dx = Side::mutable_diff(bottom[0]);
    if (this->param_propagate_down(0)) g.dw_x = Side::mutable_diff(this->blobs_[0].get());
    if (this->param_propagate_down(1)) g.dw_h = Side::mutable_diff(this->blobs_[1].get());
    if (this->param_propagate_down(2)) g.db = Side::mutable_diff(this->blobs_[2].get());
    core_.template Backward<Side>(args<Side>(bottom, top), g);
  }

 private:
  int T_ = 0, N_ = 1, I_ = 0, H_ = 0;
  Dtype clip_ = 0;
  LstmCore<Dtype> core_;
  Blob<Dtype> h0_, c0_, hT_, cT_;  // initial states of this pass; final states of the last
};

}  // namespace caffe
