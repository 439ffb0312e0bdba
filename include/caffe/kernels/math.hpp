// Scalar math usable on both host and device, overloaded for float and double
// (the C library names differ on the device: expf vs exp, and std:: is host-only).
#pragma once

#include <math.h>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

CAFFE_HOST_DEVICE float hd_exp(float x) { return expf(x); }
CAFFE_HOST_DEVICE double hd_exp(double x) { return exp(x); }
CAFFE_HOST_DEVICE float hd_log(float x) { return logf(x); }
CAFFE_HOST_DEVICE double hd_log(double x) { return log(x); }
CAFFE_HOST_DEVICE float hd_tanh(float x) { return tanhf(x); }
CAFFE_HOST_DEVICE double hd_tanh(double x) { return tanh(x); }
CAFFE_HOST_DEVICE float hd_pow(float x, float p) { return powf(x, p); }
CAFFE_HOST_DEVICE double hd_pow(double x, double p) { return pow(x, p); }

template <typename T>
CAFFE_HOST_DEVICE T hd_max(T a, T b) { return a > b ? a : b; }
template <typename T>
CAFFE_HOST_DEVICE T hd_min(T a, T b) { return a < b ? a : b; }

// Smallest positive normal value, used to keep log() finite.
template <typename Dtype> CAFFE_HOST_DEVICE Dtype hd_tiny();
template <> CAFFE_HOST_DEVICE float hd_tiny<float>() { return 1.17549435e-38f; }
template <> CAFFE_HOST_DEVICE double hd_tiny<double>() { return 1.17549435e-38; }

}  // namespace kernels
}  // namespace caffe
