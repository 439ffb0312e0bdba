// Per-element math of the further neuron layers (ELU, AbsVal, Exp, Log, BNLL, Threshold),
// in the form of caffe/kernels/neuron.hpp: forward(x) -> y, backward(x, y, dy) -> dx.
#pragma once

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace kernels {

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

}  // namespace kernels
}  // namespace caffe
