// Per-element parameter-update math of the solvers, written once for the CPU loops
// (cpu_for) and the CUDA kernels (gpu_for). Each functor works on one parameter blob:
// `g` is its gradient (diff), `w` its weights, `h`/`h2` the solver's history blobs.
// On return `g` holds the step, which FusedStep (below) subtracts from the weights.
//
// The rules follow BVLC Caffe (lr = base rate x the blob's lr_mult):
//   SGD       h = momentum*h + lr*g;                          step = h
//   Nesterov  h' = momentum*h + lr*g;                         step = (1+momentum)*h' - momentum*h
//   AdaGrad   h += g^2;                                       step = lr*g / (sqrt(h) + delta)
//   RMSProp   h = rms_decay*h + (1-rms_decay)*g^2;            step = lr*g / (sqrt(h) + delta)
//   AdaDelta  h = m*h + (1-m)*g^2;  u = g*sqrt((h2+delta)/(h+delta));
//             h2 = m*h2 + (1-m)*u^2;                          step = lr*u
//   Adam      h = b1*h + (1-b1)*g;  h2 = b2*h2 + (1-b2)*g^2;
//             step = lr*corr*h / (sqrt(h2) + delta), corr = sqrt(1-b2^t)/(1-b1^t)
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

template <typename Dtype>
CAFFE_HOST_DEVICE Dtype sign_of(Dtype x) {
  return static_cast<Dtype>((Dtype(0) < x) - (x < Dtype(0)));
}

// Gradient preparation before the update: averages over iter_size passes (scale),
// then adds weight decay, L2 (decay*w) or L1 (decay*sign(w)).
template <typename Dtype>
struct PrepareGradient {
  Dtype* g;
  const Dtype* w;
  Dtype scale, decay;
  bool l1;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype v = g[i] * scale;
    if (decay != Dtype(0)) v += decay * (l1 ? sign_of(w[i]) : w[i]);
    g[i] = v;
  }
};

template <typename Dtype>
struct SGDUpdate {
  Dtype* g;
  Dtype* h;
  Dtype momentum, lr;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype hi = momentum * h[i] + lr * g[i];
    h[i] = hi;
    g[i] = hi;
  }
};

template <typename Dtype>
struct NesterovUpdate {
  Dtype* g;
  Dtype* h;
  Dtype momentum, lr;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype old = h[i];
    Dtype hi = momentum * old + lr * g[i];
    h[i] = hi;
    g[i] = (Dtype(1) + momentum) * hi - momentum * old;
  }
};

template <typename Dtype>
struct AdaGradUpdate {
  Dtype* g;
  Dtype* h;
  Dtype delta, lr;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype gi = g[i];
    Dtype hi = h[i] + gi * gi;
    h[i] = hi;
    g[i] = lr * gi / (hd_sqrt(hi) + delta);
  }
};

template <typename Dtype>
struct RMSPropUpdate {
  Dtype* g;
  Dtype* h;
  Dtype rms_decay, delta, lr;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype gi = g[i];
    Dtype hi = rms_decay * h[i] + (Dtype(1) - rms_decay) * gi * gi;
    h[i] = hi;
    g[i] = lr * gi / (hd_sqrt(hi) + delta);
  }
};

template <typename Dtype>
struct AdaDeltaUpdate {
  Dtype* g;
  Dtype* h;   // running average of squared gradients
  Dtype* h2;  // running average of squared updates
  Dtype momentum, delta, lr;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype gi = g[i];
    Dtype hi = momentum * h[i] + (Dtype(1) - momentum) * gi * gi;
    h[i] = hi;
    Dtype u = gi * hd_sqrt((h2[i] + delta) / (hi + delta));
    h2[i] = momentum * h2[i] + (Dtype(1) - momentum) * u * u;
    g[i] = lr * u;
  }
};

template <typename Dtype>
struct AdamUpdate {
  Dtype* g;
  Dtype* m;  // first moment
  Dtype* v;  // second moment
  Dtype beta1, beta2, delta, lr_corrected;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    Dtype gi = g[i];
    Dtype mi = beta1 * m[i] + (Dtype(1) - beta1) * gi;
    Dtype vi = beta2 * v[i] + (Dtype(1) - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    g[i] = lr_corrected * mi / (hd_sqrt(vi) + delta);
  }
};

// One pass over a parameter blob does all of an iteration's update: prepare the gradient
// (iter_size average, weight decay), apply the solver's rule, and take the step
// (w -= step), so each array is read and written once. The gradient keeps the step, as
// Caffe's Blob::Update leaves it.
template <typename Dtype, class Rule>
struct FusedStep {
  PrepareGradient<Dtype> prepare;
  Rule rule;
  Dtype* w;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    prepare(i);
    rule(i);
    w[i] -= prepare.g[i];
  }
};

}  // namespace kernels
}  // namespace caffe
