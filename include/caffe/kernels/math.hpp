// Scalar math for CAFFE_HOST_DEVICE code, overloaded for float and double so that float
// math stays in float (C's expf vs exp) under both compilers. Per-element helpers use
// these rather than <cmath>'s std:: functions.
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
CAFFE_HOST_DEVICE float hd_sqrt(float x) { return sqrtf(x); }
CAFFE_HOST_DEVICE double hd_sqrt(double x) { return sqrt(x); }
CAFFE_HOST_DEVICE float hd_sin(float x) { return sinf(x); }
CAFFE_HOST_DEVICE double hd_sin(double x) { return sin(x); }
CAFFE_HOST_DEVICE float hd_cos(float x) { return cosf(x); }
CAFFE_HOST_DEVICE double hd_cos(double x) { return cos(x); }

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
