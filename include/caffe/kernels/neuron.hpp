// Per-element math of the neuron layers: the ops of ReLU, Sigmoid, TanH, Power, ELU,
// AbsVal, Exp, Log, BNLL, Threshold, Clip and Swish, and Dropout's mask. Each op has forward(x) -> y
// and backward(x, y, dy) -> dx; NeuronForward and NeuronBackward apply an op over whole
// arrays (ElementwiseNeuronLayer's passes).
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

// y = x for x > 0, negative_slope * x otherwise.
template <typename Dtype>
struct ReLUOp {
  Dtype negative_slope;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return x > Dtype(0) ? x : x * negative_slope; }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    return x > Dtype(0) ? dy : dy * negative_slope;
  }
};

// y = 1 / (1 + exp(-x)), written through tanh so that it never overflows.
template <typename Dtype>
struct SigmoidOp {
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const {
    return Dtype(0.5) * hd_tanh(Dtype(0.5) * x) + Dtype(0.5);
  }
  CAFFE_HOST_DEVICE Dtype backward(Dtype, Dtype y, Dtype dy) const { return dy * y * (Dtype(1) - y); }
};

// y = tanh(x).
template <typename Dtype>
struct TanHOp {
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return hd_tanh(x); }
  CAFFE_HOST_DEVICE Dtype backward(Dtype, Dtype y, Dtype dy) const { return dy * (Dtype(1) - y * y); }
};

// y = (shift + scale * x) ^ power.
template <typename Dtype>
struct PowerOp {
  Dtype power, scale, shift;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const {
    const Dtype base = shift + scale * x;
    return power == Dtype(1) ? base : hd_pow(base, power);
  }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    const Dtype diff_scale = power * scale;
    if (diff_scale == Dtype(0)) return Dtype(0);  // the output does not depend on x
    if (power == Dtype(1)) return dy * diff_scale;
    return dy * diff_scale * hd_pow(shift + scale * x, power - Dtype(1));
  }
};

// y = x for x > 0, alpha (exp(x) - 1) otherwise.
template <typename Dtype>
struct ELUOp {
  Dtype alpha;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const {
    return x > Dtype(0) ? x : alpha * (hd_exp(x) - Dtype(1));
  }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype y, Dtype dy) const {
    return x > Dtype(0) ? dy : dy * (y + alpha);
  }
};

// y = |x|.
template <typename Dtype>
struct AbsValOp {
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return x < Dtype(0) ? -x : x; }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    return x > Dtype(0) ? dy : (x < Dtype(0) ? -dy : Dtype(0));
  }
};

// y = outer_scale * exp(inner_scale * x), i.e. base ^ (shift + scale x) with
// inner_scale = ln(base) scale and outer_scale = base ^ shift.
template <typename Dtype>
struct ExpOp {
  Dtype inner_scale, outer_scale;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return outer_scale * hd_exp(inner_scale * x); }
  CAFFE_HOST_DEVICE Dtype backward(Dtype, Dtype y, Dtype dy) const { return dy * y * inner_scale; }
};

// y = log_base(shift + scale x) = ln(shift + scale x) * base_scale, base_scale = 1 / ln(base).
template <typename Dtype>
struct LogOp {
  Dtype scale, shift, base_scale;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return hd_log(shift + scale * x) * base_scale; }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    return dy * scale * base_scale / (shift + scale * x);
  }
};

// y = log(1 + exp(x)), computed without overflow; dy/dx = sigmoid(x).
template <typename Dtype>
struct BNLLOp {
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const {
    return x > Dtype(0) ? x + hd_log(Dtype(1) + hd_exp(-x)) : hd_log(Dtype(1) + hd_exp(x));
  }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    const Dtype e = hd_exp(hd_min(x, Dtype(50)));
    return dy * e / (e + Dtype(1));
  }
};

// y = 1 for x > threshold, 0 otherwise; the derivative is zero wherever it exists.
template <typename Dtype>
struct ThresholdOp {
  Dtype threshold;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return x > threshold ? Dtype(1) : Dtype(0); }
  CAFFE_HOST_DEVICE Dtype backward(Dtype, Dtype, Dtype) const { return Dtype(0); }
};

// y = x clamped into [lo, hi]; the gradient passes where lo <= x <= hi (BVLC's Clip).
template <typename Dtype>
struct ClipOp {
  Dtype lo, hi;
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return hd_max(lo, hd_min(x, hi)); }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype, Dtype dy) const {
    return (x >= lo && x <= hi) ? dy : Dtype(0);
  }
};

// y = x * sigmoid(beta x); dy/dx = s + beta x s (1 - s) = beta y + s (1 - beta y).
template <typename Dtype>
struct SwishOp {
  Dtype beta;
  CAFFE_HOST_DEVICE Dtype sig(Dtype x) const {
    return Dtype(0.5) * hd_tanh(Dtype(0.5) * beta * x) + Dtype(0.5);
  }
  CAFFE_HOST_DEVICE Dtype forward(Dtype x) const { return x * sig(x); }
  CAFFE_HOST_DEVICE Dtype backward(Dtype x, Dtype y, Dtype dy) const {
    const Dtype s = sig(x);
    return dy * (beta * y + s * (Dtype(1) - beta * y));
  }
};

// Keeps x where the random draw exceeds the threshold, scaled by `scale`; zero elsewhere.
template <typename Dtype>
struct DropoutOp {
  const unsigned int* draw;
  unsigned int threshold;
  Dtype scale;
  CAFFE_HOST_DEVICE Dtype apply(int64_t i, Dtype v) const {
    return draw[i] > threshold ? v * scale : Dtype(0);
  }
};

template <typename Dtype, typename Op>
struct NeuronForward {
  const Dtype* x;
  Dtype* y;
  Op op;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { y[i] = op.forward(x[i]); }
};

template <typename Dtype, typename Op>
struct NeuronBackward {
  const Dtype* x;
  const Dtype* y;
  const Dtype* dy;
  Dtype* dx;
  Op op;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { dx[i] = op.backward(x[i], y[i], dy[i]); }
};

// out[i] = op.apply(i, in[i]): dropout's forward (in = x) and backward (in = dy).
template <typename Dtype>
struct DropoutApply {
  const Dtype* in;
  Dtype* out;
  DropoutOp<Dtype> op;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const { out[i] = op.apply(i, in[i]); }
};

}  // namespace kernels
}  // namespace caffe
