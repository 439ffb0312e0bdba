// Per-element math of the recurrent layers: one time step of an LSTM (the fork's Lstm,
// BVLC's LSTM and LSTMUnit) and of BVLC's RNN, for entry (n, d) of an N x H state. Gate
// pre-activations are rows of 4H values in the order i, f, o, g.
//
// The continuation indicator k of sequence n (cont[n]; `cont_default` without one; 0 or
// 1 when `binary`, else its value) multiplies the previous state's contributions: the
// hidden-to-hidden term k * (W_h h_{t-1}) and the forget path k * f * c_{t-1}. k = 0 starts
// a new sequence.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

template <typename Dtype>
struct ContFlag {
  const Dtype* cont;  // N values, or null
  Dtype cont_default;
  bool binary;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t n) const {
    const Dtype k = cont ? cont[n] : cont_default;
    return binary ? (k != Dtype(0) ? Dtype(1) : Dtype(0)) : k;
  }
};

template <typename Dtype>
CAFFE_HOST_DEVICE Dtype sigmoid_of(Dtype x) {
  return Dtype(0.5) * hd_tanh(Dtype(0.5) * x) + Dtype(0.5);
}

// pre = x_pre (+ extra) (+ k * h2g); i, f, o = sigmoid, g = tanh;
// c = k f c_prev + i g; h = o tanh(c). gates keeps the activations (f without k).
template <typename Dtype>
struct LstmStepForward {
  const Dtype* x_pre;  // N x 4H
  const Dtype* extra;  // N x 4H or null (BVLC's static input term)
  const Dtype* h2g;    // N x 4H or null: W_h h_prev
  ContFlag<Dtype> k;
  const Dtype* c_prev;  // N x H
  Dtype* gates;         // N x 4H
  Dtype* c;             // N x H
  Dtype* h;             // N x H
  int64_t H;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t n = i / H, d = i % H;
    const Dtype kn = k(n);
    Dtype a[4];
    for (int q = 0; q < 4; ++q) {
      const int64_t j = n * 4 * H + q * H + d;
      Dtype v = x_pre[j];
      if (extra) v += extra[j];
      if (h2g && kn != Dtype(0)) v += kn * h2g[j];
      a[q] = q < 3 ? sigmoid_of(v) : hd_tanh(v);
      gates[j] = a[q];
    }
    const Dtype cv = kn * a[1] * c_prev[i] + a[0] * a[3];
    c[i] = cv;
    h[i] = a[2] * hd_tanh(cv);
  }
};

// The gradients of one LSTM step. dh = dh_top + dh_next (either may be null);
// dc = dc_in + dh o (1 - tanh(c)^2); then the gate pre-activation gradients dpre (clamped
// into [-clip, clip] when clip > 0, as the fork does), k * dpre (what flows to W_h and to
// h_prev), and dc_prev_out = dc k f. dc_in and dc_prev_out may be the same array.
template <typename Dtype>
struct LstmStepBackward {
  const Dtype* gates;
  const Dtype* c;
  const Dtype* c_prev;
  ContFlag<Dtype> k;
  const Dtype* dh_top;
  const Dtype* dh_next;
  const Dtype* dc_in;
  Dtype* dc_prev_out;   // or null
  Dtype* dpre;          // N x 4H
  Dtype* dpre_masked;   // N x 4H or null
  Dtype clip;
  int64_t H;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t n = i / H, d = i % H;
    const Dtype kn = k(n);
    const int64_t row = n * 4 * H + d;
    const Dtype gi = gates[row], gf = gates[row + H], go = gates[row + 2 * H],
                gg = gates[row + 3 * H];
    Dtype dh = 0;
    if (dh_top) dh += dh_top[i];
    if (dh_next) dh += dh_next[i];
    const Dtype tc = hd_tanh(c[i]);
    Dtype dc = (dc_in ? dc_in[i] : Dtype(0)) + dh * go * (Dtype(1) - tc * tc);
    Dtype g[4];
    g[0] = dc * gg * gi * (Dtype(1) - gi);
    g[1] = dc * kn * c_prev[i] * gf * (Dtype(1) - gf);
    g[2] = dh * tc * go * (Dtype(1) - go);
    g[3] = dc * gi * (Dtype(1) - gg * gg);
    for (int q = 0; q < 4; ++q) {
      Dtype v = g[q];
      if (clip > Dtype(0)) v = hd_max(-clip, hd_min(v, clip));
      dpre[row + q * H] = v;
      if (dpre_masked) dpre_masked[row + q * H] = kn * v;
    }
    if (dc_prev_out) dc_prev_out[i] = dc * kn * gf;
  }
};

// RNN step: h = tanh(x_pre (+ extra) + k * h2h).
template <typename Dtype>
struct RnnStepForward {
  const Dtype* x_pre;  // N x H
  const Dtype* extra;  // N x H or null
  const Dtype* h2h;    // N x H
  ContFlag<Dtype> k;
  Dtype* h;
  int64_t H;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype v = x_pre[i];
    if (extra) v += extra[i];
    const Dtype kn = k(i / H);
    if (kn != Dtype(0)) v += kn * h2h[i];
    h[i] = hd_tanh(v);
  }
};

// RNN step gradients: dpre = (dh_top + dh_next) (1 - h^2), dpre_masked = k dpre.
template <typename Dtype>
struct RnnStepBackward {
  const Dtype* h;
  ContFlag<Dtype> k;
  const Dtype* dh_top;
  const Dtype* dh_next;  // or null
  Dtype* dpre;
  Dtype* dpre_masked;
  int64_t H;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype dh = dh_top[i];
    if (dh_next) dh += dh_next[i];
    const Dtype v = dh * (Dtype(1) - h[i] * h[i]);
    dpre[i] = v;
    dpre_masked[i] = k(i / H) * v;
  }
};

}  // namespace kernels
}  // namespace caffe
