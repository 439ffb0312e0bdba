// RNN: BVLC's simple recurrent layer (recurrent_param; bottoms, tops and the carrying of
// the state between passes as in RecurrentLayer). State: h, N x H (H = num_output).
//   h_t = tanh(W_xh x_t + b_h [+ W_xh_static x_static] + W_hh (k_t h_{t-1}))
//   o_t = tanh(W_ho h_t + b_o)            (the output, T x N x num_output)
// k_t is the continuation indicator. Parameter blobs, in BVLC's order: W_xh (H x I),
// b_h (H), W_xh_static (H x I_static, only with a static input), W_hh (H x H),
// W_ho (H x H), b_o (H).
#pragma once

#include "caffe/kernels/neuron.hpp"
#include "caffe/kernels/recurrent.hpp"
#include "caffe/layers/recurrent_layer.hpp"

namespace caffe {

template <typename Dtype>
class RNNLayer : public RecurrentLayer<Dtype> {
 public:
  explicit RNNLayer(const LayerParameter& param) : RecurrentLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "RNN"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  int num_states() const override { return 1; }
  void weights(std::vector<std::vector<int>>* shapes,
               std::vector<FillerParameter>* fillers) const override;

  const Blob<Dtype>* w(int i) const { return this->blobs_[index(i)].get(); }
  Blob<Dtype>* w(int i) { return this->blobs_[index(i)].get(); }
  // Blob index of W_xh, b_h, W_hh, W_ho, b_o (0, 1, 3, 4, 5: skipping W_xh_static).
  int index(int i) const { return i < 2 || !this->static_input_ ? i : i + 1; }
  kernels::ContFlag<Dtype> cont_at(const Dtype* cont, int t) const {
    return {cont + int64_t(t) * this->N_, Dtype(0), false};
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int T = this->T_, N = this->N_, H = this->H_, TN = T * N;
    const int64_t NH = int64_t(N) * H;
    this->template begin_pass<Side>();
    Dtype* pre = Side::mutable_data(&x_pre_);
    Side::gemm(CblasNoTrans, CblasTrans, TN, H, this->I_, Dtype(1), Side::data(bottom[0]),
               Side::data(w(0)), Dtype(0), pre);
    Side::gemm(CblasNoTrans, CblasNoTrans, TN, H, 1, Dtype(1), Side::data(&this->ones_),
               Side::data(w(1)), Dtype(1), pre);
    const Dtype* extra = nullptr;
    if (this->static_input_) {
      Dtype* s = Side::mutable_data(&static_pre_);
      Side::gemm(CblasNoTrans, CblasTrans, N, H, this->Is_, Dtype(1), Side::data(bottom[2]),
                 Side::data(this->blobs_[2].get()), Dtype(0), s);
      extra = s;
    }
    const Dtype* cont = Side::data(bottom[1]);
    const Dtype* h0 = this->template initial_state<Side>(bottom, 0);
    Dtype* hidden = Side::mutable_data(&hidden_);
    Dtype* h2h = Side::mutable_data(&h2h_);
    for (int t = 0; t < T; ++t) {
      const Dtype* h_prev = t ? hidden + (t - 1) * NH : h0;
      Side::gemm(CblasNoTrans, CblasTrans, N, H, H, Dtype(1), h_prev, Side::data(w(2)), Dtype(0),
                 h2h);
      Side::for_n(NH, kernels::RnnStepForward<Dtype>{pre + t * NH, extra, h2h, cont_at(cont, t),
                                                     hidden + t * NH, H}, 10);
    }
    Side::copy(NH, hidden + (T - 1) * NH, this->template final_state<Side>(top, 0));
    Dtype* o = Side::mutable_data(top[0]);
    Side::gemm(CblasNoTrans, CblasTrans, TN, H, H, Dtype(1), hidden, Side::data(w(3)), Dtype(0), o);
    Side::gemm(CblasNoTrans, CblasNoTrans, TN, H, 1, Dtype(1), Side::data(&this->ones_),
               Side::data(w(4)), Dtype(1), o);
    Side::for_n(int64_t(TN) * H, kernels::NeuronForward<Dtype, kernels::TanHOp<Dtype>>{o, o, {}}, 10);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const int T = this->T_, N = this->N_, H = this->H_, TN = T * N;
    const int64_t NH = int64_t(N) * H;
    const Dtype* hidden = Side::data(&hidden_);
    const Dtype* h0 = this->template initial_state<Side>(bottom, 0);
    const Dtype* ones = Side::data(&this->ones_);
    // Output layer: o = tanh(W_ho h + b_o).
    Dtype* dopre = Side::mutable_data(&dpre_out_);
    const Dtype* o = Side::data(top[0]);
    Side::for_n(int64_t(TN) * H, kernels::NeuronBackward<Dtype, kernels::TanHOp<Dtype>>{
        o, o, Side::diff(top[0]), dopre, {}});
    if (this->param_propagate_down(index(3)))
      Side::gemm(CblasTrans, CblasNoTrans, H, H, TN, Dtype(1), dopre, hidden, Dtype(1),
                 Side::mutable_diff(w(3)));
    if (this->param_propagate_down(index(4)))
      Side::gemv(CblasTrans, TN, H, Dtype(1), dopre, ones, Dtype(1), Side::mutable_diff(w(4)));
    Dtype* dhid = Side::mutable_data(&dhidden_);
    Side::gemm(CblasNoTrans, CblasNoTrans, TN, H, H, Dtype(1), dopre, Side::data(w(3)), Dtype(0),
               dhid);
    // The recurrence, backwards in time.
    Dtype* dpre = Side::mutable_data(&dpre_);
    Dtype* masked = Side::mutable_data(&dpre_masked_);
    Dtype* dh_next = Side::mutable_data(&dh_next_);
    const Dtype* dh_T = this->template final_state_diff<Side>(top, 0);
    if (dh_T) Side::copy(NH, dh_T, dh_next); else Side::set(NH, Dtype(0), dh_next);
    const Dtype* cont = Side::data(bottom[1]);
    for (int t = T - 1; t >= 0; --t) {
      Side::for_n(NH, kernels::RnnStepBackward<Dtype>{hidden + t * NH, cont_at(cont, t),
                                                      dhid + t * NH, dh_next, dpre + t * NH,
                                                      masked + t * NH, H}, 10);
      Side::gemm(CblasNoTrans, CblasNoTrans, N, H, H, Dtype(1), masked + t * NH, Side::data(w(2)),
                 Dtype(0), dh_next);
    }
    Dtype* dh0 = this->template initial_state_diff<Side>(bottom, propagate_down, 0);
    if (dh0) Side::copy(NH, dh_next, dh0);
    if (this->param_propagate_down(index(0)))
      Side::gemm(CblasTrans, CblasNoTrans, H, this->I_, TN, Dtype(1), dpre, Side::data(bottom[0]),
                 Dtype(1), Side::mutable_diff(w(0)));
    if (this->param_propagate_down(index(1)))
      Side::gemv(CblasTrans, TN, H, Dtype(1), dpre, ones, Dtype(1), Side::mutable_diff(w(1)));
    if (this->param_propagate_down(index(2))) {
      Dtype* dw_hh = Side::mutable_diff(w(2));
      if (T > 1)
        Side::gemm(CblasTrans, CblasNoTrans, H, H, TN - N, Dtype(1), masked + NH, hidden, Dtype(1),
                   dw_hh);
      Side::gemm(CblasTrans, CblasNoTrans, H, H, N, Dtype(1), masked, h0, Dtype(1), dw_hh);
    }
    if (propagate_down[0])
      Side::gemm(CblasNoTrans, CblasNoTrans, TN, this->I_, H, Dtype(1), dpre, Side::data(w(0)),
                 Dtype(0), Side::mutable_diff(bottom[0]));
    if (this->static_input_ && (this->param_propagate_down(2) || propagate_down[2])) {
      Dtype* dsum = Side::mutable_data(&static_pre_);  // the static term's gradient, over time
      Side::set(int(NH), Dtype(0), dsum);
      for (int t = 0; t < T; ++t) Side::axpy(int(NH), Dtype(1), dpre + t * NH, dsum);
      if (this->param_propagate_down(2))
        Side::gemm(CblasTrans, CblasNoTrans, H, this->Is_, N, Dtype(1), dsum, Side::data(bottom[2]),
                   Dtype(1), Side::mutable_diff(this->blobs_[2].get()));
      if (propagate_down[2])
        Side::gemm(CblasNoTrans, CblasNoTrans, N, this->Is_, H, Dtype(1), dsum,
                   Side::data(this->blobs_[2].get()), Dtype(0), Side::mutable_diff(bottom[2]));
    }
  }

  Blob<Dtype> x_pre_, static_pre_, hidden_, h2h_, dpre_out_, dhidden_, dpre_, dpre_masked_,
      dh_next_;
};

}  // namespace caffe
