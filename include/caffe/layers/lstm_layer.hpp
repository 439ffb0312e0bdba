// LSTM: BVLC's long short-term memory layer (recurrent_param; bottoms, tops and the
// carrying of states between passes as in RecurrentLayer). States: h and c, each N x H
// (H = num_output); the output is h at every time step, T x N x H.
//
// With k_t the continuation indicator of a stream at step t and gates i, f, o, g
// (sigmoid, sigmoid, sigmoid, tanh) of W_xc x_t + b_c [+ W_xc_static x_static] +
// W_hc (k_t h_{t-1}):  c_t = k_t f c_{t-1} + i g,  h_t = o tanh(c_t).
// Parameter blobs, in BVLC's order: W_xc (4H x I), b_c (4H), W_xc_static (4H x I_static,
// only with a static input), W_hc (4H x H); weight_filler / bias_filler fill them.
// The recurrence is LstmCore's, shared with the fork's Lstm layer.
#pragma once

#include "caffe/layers/lstm_core.hpp"
#include "caffe/layers/recurrent_layer.hpp"

namespace caffe {

template <typename Dtype>
class LSTMLayer : public RecurrentLayer<Dtype> {
 public:
  explicit LSTMLayer(const LayerParameter& param) : RecurrentLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    RecurrentLayer<Dtype>::Reshape(bottom, top);
    core_.Reshape(this->T_, this->N_, this->I_, this->Is_, this->H_);
  }
  const char* type() const override { return "LSTM"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  int num_states() const override { return 2; }
  void weights(std::vector<std::vector<int>>* shapes,
               std::vector<FillerParameter>* fillers) const override {
    const RecurrentParameter& p = this->layer_param_.recurrent_param();
    const int G = 4 * this->H_;
    *shapes = {{G, this->I_}, {G}};
    *fillers = {p.weight_filler(), p.bias_filler()};
    if (this->static_input_) {
      shapes->push_back({G, this->Is_});
      fillers->push_back(p.weight_filler());
    }
    shapes->push_back({G, this->H_});
    fillers->push_back(p.weight_filler());
  }

  template <class Side>
  typename LstmCore<Dtype>::Args args(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
    typename LstmCore<Dtype>::Args a;
    a.x = Side::data(bottom[0]);
    a.cont = Side::data(bottom[1]);
    a.w_x = Side::data(this->blobs_[0].get());
    a.b = Side::data(this->blobs_[1].get());
    if (this->static_input_) {
      a.x_static = Side::data(bottom[2]);
      a.w_s = Side::data(this->blobs_[2].get());
    }
    a.w_h = Side::data(this->blobs_.back().get());
    a.h0 = this->template initial_state<Side>(bottom, 0);
    a.c0 = this->template initial_state<Side>(bottom, 1);
    a.h = Side::mutable_data(top[0]);
    return a;
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    this->template begin_pass<Side>();
    core_.template Forward<Side>(args<Side>(bottom, top));
    const int NH = this->N_ * this->H_;
    const int64_t last = int64_t(this->T_ - 1) * NH;
    Side::copy(NH, Side::data(top[0]) + last, this->template final_state<Side>(top, 0));
    Side::copy(NH, Side::data(&core_.cell()) + last, this->template final_state<Side>(top, 1));
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    typename LstmCore<Dtype>::Grads g;
    g.dh = Side::diff(top[0]);
    g.dh_T = this->template final_state_diff<Side>(top, 0);
    g.dc_T = this->template final_state_diff<Side>(top, 1);
    if (propagate_down[0]) g.dx = Side::mutable_diff(bottom[0]);
    if (this->static_input_ && propagate_down[2]) g.dx_static = Side::mutable_diff(bottom[2]);
    g.dh0 = this->template initial_state_diff<Side>(bottom, propagate_down, 0);
    g.dc0 = this->template initial_state_diff<Side>(bottom, propagate_down, 1);
    const int nb = static_cast<int>(this->blobs_.size());
    if (this->param_propagate_down(0)) g.dw_x = Side::mutable_diff(this->blobs_[0].get());
    if (this->param_propagate_down(1)) g.db = Side::mutable_diff(this->blobs_[1].get());
    if (this->static_input_ && this->param_propagate_down(2))
      g.dw_s = Side::mutable_diff(this->blobs_[2].get());
    if (this->param_propagate_down(nb - 1)) g.dw_h = Side::mutable_diff(this->blobs_[nb - 1].get());
    core_.template Backward<Side>(args<Side>(bottom, top), g);
  }

  LstmCore<Dtype> core_;
};

}  // namespace caffe
