// The LSTM recurrence shared by the fork's Lstm layer and BVLC's LSTM layer: T time steps
// of N sequences, input size I, hidden size H, gates i, f, o, g. Both passes are written
// once over a Side: one GEMM for the input-to-gate terms of all time steps, then per time
// step a GEMM with the hidden-to-hidden weights and the per-element step of
// kernels/recurrent.hpp; backward runs the steps in reverse (back-propagation through
// time) and then computes the weight gradients with one GEMM each.
//
// The caller owns the blobs and hands in a side's pointers (LstmCore::Args); LstmCore
// keeps the intermediate buffers between Forward and Backward.
#pragma once

#include "caffe/blob.hpp"
#include "caffe/kernels/recurrent.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class LstmCore {
 public:
  struct Args {
    const Dtype* x = nullptr;         // T*N x I, time-major
    const Dtype* cont = nullptr;      // T*N continuation indicators, or null
    bool binary_cont = false;         // treat cont as 0 / 1 (the fork) or as a factor (BVLC)
    const Dtype* x_static = nullptr;  // N x I_static, or null
    const Dtype* w_x = nullptr;       // 4H x I
    const Dtype* b = nullptr;         // 4H
    const Dtype* w_s = nullptr;       // 4H x I_static (with x_static)
    const Dtype* w_h = nullptr;       // 4H x H
    const Dtype* h0 = nullptr;        // N x H initial state
    const Dtype* c0 = nullptr;        // N x H
    Dtype* h = nullptr;               // T*N x H: the hidden states (the output)
    Dtype clip = 0;                   // > 0: clamp the gate gradients (the fork's option)
  };
  struct Grads {  // null: not wanted. Parameter gradients accumulate; the others are set.
    const Dtype* dh = nullptr;    // T*N x H: gradient of the output
    const Dtype* dh_T = nullptr;  // N x H: of the last hidden state, or null
    const Dtype* dc_T = nullptr;  // N x H: of the last cell state, or null
    Dtype* dx = nullptr;
    Dtype* dx_static = nullptr;
    Dtype* dh0 = nullptr;
    Dtype* dc0 = nullptr;
    Dtype* dw_x = nullptr;
    Dtype* db = nullptr;
    Dtype* dw_s = nullptr;
    Dtype* dw_h = nullptr;
  };

  void Reshape(int T, int N, int I, int I_static, int H) {
    T_ = T, N_ = N, I_ = I, Is_ = I_static, H_ = H;
    const int TN = T * N;
    for (Blob<Dtype>* b : {&x_pre_, &gates_, &dpre_, &dpre_masked_}) b->Reshape(vector<int>{TN, 4 * H});
    cell_.Reshape(vector<int>{TN, H});
    for (Blob<Dtype>* b : {&h2g_, &static_pre_, &dsum_}) b->Reshape(vector<int>{N, 4 * H});
    for (Blob<Dtype>* b : {&dh_next_, &dc_}) b->Reshape(vector<int>{N, H});
    if (ones_.count() != TN) {
      ones_.Reshape(vector<int>{TN});
      caffe_set(TN, Dtype(1), ones_.mutable_cpu_data());
    }
  }
  // The cell states of all steps (T*N x H), e.g. for the last one.
  const Blob<Dtype>& cell() const { return cell_; }

  template <class Side>
  void Forward(const Args& a) {
    const int TN = T_ * N_, G = 4 * H_;
    Dtype* x_pre = Side::mutable_data(&x_pre_);
    Side::gemm(CblasNoTrans, CblasTrans, TN, G, I_, Dtype(1), a.x, a.w_x, Dtype(0), x_pre);
    Side::gemm(CblasNoTrans, CblasNoTrans, TN, G, 1, Dtype(1), Side::data(&ones_), a.b, Dtype(1),
               x_pre);
    const Dtype* extra = nullptr;
    if (a.x_static) {
      Dtype* s = Side::mutable_data(&static_pre_);
      Side::gemm(CblasNoTrans, CblasTrans, N_, G, Is_, Dtype(1), a.x_static, a.w_s, Dtype(0), s);
      extra = s;
    }
    Dtype* gates = Side::mutable_data(&gates_);
    Dtype* cell = Side::mutable_data(&cell_);
    Dtype* h2g = Side::mutable_data(&h2g_);
    const int64_t NH = int64_t(N_) * H_, NG = int64_t(N_) * G;
    for (int t = 0; t < T_; ++t) {
      const Dtype* h_prev = t ? a.h + (t - 1) * NH : a.h0;
      const Dtype* c_prev = t ? cell + (t - 1) * NH : a.c0;
      Side::gemm(CblasNoTrans, CblasTrans, N_, G, H_, Dtype(1), h_prev, a.w_h, Dtype(0), h2g);
      Side::for_n(NH, kernels::LstmStepForward<Dtype>{
          x_pre + t * NG, extra, h2g, cont_at(a, t), c_prev, gates + t * NG, cell + t * NH,
          a.h + t * NH, H_}, 40);
    }
  }

  template <class Side>
  void Backward(const Args& a, const Grads& g) {
    const int TN = T_ * N_, G = 4 * H_;
    const int64_t NH = int64_t(N_) * H_, NG = int64_t(N_) * G;
    const Dtype* gates = Side::data(&gates_);
    const Dtype* cell = Side::data(&cell_);
    Dtype* dpre = Side::mutable_data(&dpre_);
    Dtype* masked = Side::mutable_data(&dpre_masked_);
    Dtype* dh_next = Side::mutable_data(&dh_next_);
    Dtype* dc = Side::mutable_data(&dc_);
    if (g.dh_T) Side::copy(NH, g.dh_T, dh_next); else Side::set(NH, Dtype(0), dh_next);
    if (g.dc_T) Side::copy(NH, g.dc_T, dc); else Side::set(NH, Dtype(0), dc);
    for (int t = T_ - 1; t >= 0; --t) {
      const Dtype* c_prev = t ? cell + (t - 1) * NH : a.c0;
      Side::for_n(NH, kernels::LstmStepBackward<Dtype>{
          gates + t * NG, cell + t * NH, c_prev, cont_at(a, t), g.dh + t * NH, dh_next, dc, dc,
          dpre + t * NG, masked + t * NG, a.clip, H_}, 40);
      // dL/dh_{t-1}: through the hidden-to-hidden weights of step t.
      Side::gemm(CblasNoTrans, CblasNoTrans, N_, H_, G, Dtype(1), masked + t * NG, a.w_h,
                 Dtype(0), dh_next);
    }
    if (g.dh0) Side::copy(NH, dh_next, g.dh0);
    if (g.dc0) Side::copy(NH, dc, g.dc0);
    if (g.dw_x) Side::gemm(CblasTrans, CblasNoTrans, G, I_, TN, Dtype(1), dpre, a.x, Dtype(1), g.dw_x);
    if (g.db) Side::gemv(CblasTrans, TN, G, Dtype(1), dpre, Side::data(&ones_), Dtype(1), g.db);
    if (g.dw_h) {
      if (T_ > 1) {
        Side::gemm(CblasTrans, CblasNoTrans, G, H_, TN - N_, Dtype(1), masked + NG, a.h, Dtype(1),
                   g.dw_h);
      }
      Side::gemm(CblasTrans, CblasNoTrans, G, H_, N_, Dtype(1), masked, a.h0, Dtype(1), g.dw_h);
    }
    if (g.dx) Side::gemm(CblasNoTrans, CblasNoTrans, TN, I_, G, Dtype(1), dpre, a.w_x, Dtype(0), g.dx);
    if (a.x_static && (g.dw_s || g.dx_static)) {
      Dtype* dsum = Side::mutable_data(&dsum_);  // the static term's gradient, summed over time
      Side::set(NG, Dtype(0), dsum);
      for (int t = 0; t < T_; ++t) Side::axpy(NG, Dtype(1), dpre + t * NG, dsum);
      if (g.dw_s) {
        Side::gemm(CblasTrans, CblasNoTrans, G, Is_, N_, Dtype(1), dsum, a.x_static, Dtype(1),
                   g.dw_s);
      }
      if (g.dx_static) {
        Side::gemm(CblasNoTrans, CblasNoTrans, N_, Is_, G, Dtype(1), dsum, a.w_s, Dtype(0),
                   g.dx_static);
      }
    }
  }

 private:
  // Without indicators, every step but the first continues (the first has no past).
  kernels::ContFlag<Dtype> cont_at(const Args& a, int t) const {
    return {a.cont ? a.cont + int64_t(t) * N_ : nullptr, t > 0 ? Dtype(1) : Dtype(0),
            a.binary_cont};
  }

  int T_ = 0, N_ = 0, I_ = 0, Is_ = 0, H_ = 0;
  Blob<Dtype> x_pre_, gates_, cell_, h2g_, static_pre_, dpre_, dpre_masked_, dh_next_, dc_, dsum_,
      ones_;
};

}  // namespace caffe
