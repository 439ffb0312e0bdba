// Per-pixel math of the SpatialTransformer layer, written once for the CPU loops
// (spatial_transformer_layer.cpp) and the CUDA kernels (spatial_transformer_layer.cu).
// The coordinate convention is documented in caffe/layers/spatial_transformer_layer.hpp.
//
// Pipeline for one output pixel (s, t) of sample n:
//   params (k numbers) --build_theta--> theta (2x3)
//   (x_t, y_t) = (target_coord(s, H_out), target_coord(t, W_out))
//   (x_s, y_s) = source_coords(theta, x_t, y_t)
//   axis_sample(x_s, H), axis_sample(y_s, W) --> four neighbours, weights, d weight / d coord
//   V = bilinear_combine(U at the neighbours, weights)
// and backward:
//   dU[neighbour k] += w_k * dV;  g = sum_c dV * d(bilinear)/d(x_s, y_s)
//   dtheta += accumulate_theta_grad(g, x_t, y_t) (in double partial sums, combined in a
//   fixed order by finish_theta_grad);  dparams = theta_param_grad(dtheta)
// In deterministic mode (Caffe::deterministic) the dU additions are exact fixed-point sums
// (kernels/fixed_point.hpp), so their order does not matter.
#pragma once

#include <cmath>
#include <limits>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"

namespace caffe {
namespace st {

enum TransformType : int { kAffine = 0, kRotation = 1, kTranslation = 2, kSimilarity = 3 };

// How the k numbers per sample in the theta bottom become the 2x3 matrix.
template <typename Dtype>
struct ThetaSpec {
  int type;          // a TransformType
  int k;             // numbers per sample in the theta bottom
  int free_pos[6];   // affine: entry (0..5, row-major) that column j of the bottom fills
  Dtype fixed[6];    // affine: values of the fixed entries (free ones are overwritten)
};

// theta (row-major 2x3) from one sample's parameters p[0..k).
template <typename Dtype>
CAFFE_HOST_DEVICE void build_theta(const ThetaSpec<Dtype>& spec, const Dtype* p, Dtype* th) {
  const Dtype pi = Dtype(3.14159265358979323846);
  if (spec.type == kRotation || spec.type == kSimilarity) {
    const Dtype scale = spec.type == kSimilarity ? p[0] : Dtype(1);
    const Dtype a = pi * p[spec.type == kSimilarity ? 1 : 0];
    const Dtype c = scale * kernels::hd_cos(a), s = scale * kernels::hd_sin(a);
    th[0] = c; th[1] = -s; th[3] = s; th[4] = c;
    th[2] = spec.type == kSimilarity ? p[2] : Dtype(0);
    th[5] = spec.type == kSimilarity ? p[3] : Dtype(0);
  } else if (spec.type == kTranslation) {
    th[0] = 1; th[1] = 0; th[2] = p[0];
    th[3] = 0; th[4] = 1; th[5] = p[1];
  } else {
    for (int i = 0; i < 6; ++i) th[i] = spec.fixed[i];
    for (int j = 0; j < spec.k; ++j) th[spec.free_pos[j]] = p[j];
  }
}

// Chain rule through build_theta: dp[0..k) from dL/dtheta (dth[0..6)).
template <typename Dtype>
CAFFE_HOST_DEVICE void theta_param_grad(const ThetaSpec<Dtype>& spec, const Dtype* p,
                                        const Dtype* dth, Dtype* dp) {
  const Dtype pi = Dtype(3.14159265358979323846);
  if (spec.type == kRotation || spec.type == kSimilarity) {
    const bool sim = spec.type == kSimilarity;
    const Dtype scale = sim ? p[0] : Dtype(1);
    const Dtype a = pi * p[sim ? 1 : 0];
    const Dtype c = kernels::hd_cos(a), s = kernels::hd_sin(a);
    // d theta / d a = scale * [[-s, -c], [c, -s]]
    const Dtype da = scale * (-s * dth[0] - c * dth[1] + c * dth[3] - s * dth[4]);
    if (sim) {
      dp[0] = c * dth[0] - s * dth[1] + s * dth[3] + c * dth[4];
      dp[1] = pi * da;
      dp[2] = dth[2];
      dp[3] = dth[5];
    } else {
      dp[0] = pi * da;
    }
  } else if (spec.type == kTranslation) {
    dp[0] = dth[2];
    dp[1] = dth[5];
  } else {
    for (int j = 0; j < spec.k; ++j) dp[j] = dth[spec.free_pos[j]];
  }
}

// Normalised target coordinate of output index i along an axis of `size` pixels.
// Seed convention: 2*i/size - 1 (so -1 is pixel 0 and pixel `size` would be +1).
// align_corners: -1 and +1 are the first and last pixels (PyTorch align_corners=True).
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype target_coord(int i, int size, bool align_corners) {
  if (align_corners) return size > 1 ? Dtype(2 * i) / Dtype(size - 1) - Dtype(1) : Dtype(0);
  return Dtype(2 * i) / Dtype(size) - Dtype(1);
}

// (x_s, y_s) = theta . (x_t, y_t, 1); x is the row axis, y the column axis.
template <typename Dtype>
CAFFE_HOST_DEVICE void source_coords(const Dtype* th, Dtype xt, Dtype yt, Dtype* xs, Dtype* ys) {
  *xs = th[0] * xt + th[1] * yt + th[2];
  *ys = th[3] * xt + th[4] * yt + th[5];
}

// The two neighbours of a source coordinate along one axis. Neighbours outside the
// image get weight 0 and a clamped (valid) index, so callers never branch.
template <typename Dtype>
struct AxisSample {
  int i0, i1;    // pixel indices (0 when outside the image)
  Dtype w0, w1;  // interpolation weights (0 outside the image)
  Dtype d0, d1;  // d w / d (normalised coordinate)
};

template <typename Dtype>
CAFFE_HOST_DEVICE AxisSample<Dtype> axis_sample(Dtype coord, int size, bool align_corners,
                                                bool border) {
  const Dtype scale = Dtype(align_corners ? size - 1 : size) * Dtype(0.5);
  // Selects and non-short-circuit & | only (no branches), so the CPU loops vectorise.
  Dtype X = (coord + Dtype(1)) * scale;  // pixel units
  Dtype dX = scale;
  // border: clamp to the edge pixels; the clamped part has no gradient.
  const bool clamp_lo = border & (X < Dtype(0)), clamp_hi = border & (X > Dtype(size - 1));
  X = clamp_lo ? Dtype(0) : clamp_hi ? Dtype(size - 1) : X;
  dX = (clamp_lo | clamp_hi) ? Dtype(0) : dX;
  // Far-away, infinite and NaN positions become -2 or size + 1: no neighbour inside,
  // so zero weights and zero gradient (the validity tests below see to it).
  X = X > Dtype(-2) ? X : Dtype(-2);
  X = X < Dtype(size + 1) ? X : Dtype(size + 1);
  int i0 = static_cast<int>(X);  // floor, by truncation and a correction below zero
  i0 -= X < Dtype(i0) ? 1 : 0;
  Dtype w1 = X - Dtype(i0);
  // Snap to the pixel when within rounding noise of it, so that the identity and whole-
  // pixel shifts reproduce the input exactly despite the float arithmetic above.
  const Dtype tol = Dtype(4 * size) * std::numeric_limits<Dtype>::epsilon();
  const bool snap_up = w1 >= Dtype(1) - tol;
  i0 += snap_up ? 1 : 0;
  w1 = (snap_up | (w1 <= tol)) ? Dtype(0) : w1;
  // Masks as 0/1 factors rather than branches (w1 is finite here).
  const int v0 = (i0 >= 0) & (i0 < size), v1 = (i0 + 1 >= 0) & (i0 + 1 < size);
  AxisSample<Dtype> a;
  a.i0 = i0 * v0;
  a.i1 = (i0 + 1) * v1;
  a.w0 = (Dtype(1) - w1) * Dtype(v0);
  a.w1 = w1 * Dtype(v1);
  a.d0 = -dX * Dtype(v0);
  a.d1 = dX * Dtype(v1);
  return a;
}

// The four neighbours of (x_s, y_s) in an H x W plane, in the order
// (x0, y0), (x0, y1), (x1, y0), (x1, y1); wx/wy are d weight / d x_s and d y_s.
template <typename Dtype>
struct Sample {
  int idx[4];
  Dtype w[4];
  Dtype wx[4];
  Dtype wy[4];
};

template <typename Dtype>
CAFFE_HOST_DEVICE Sample<Dtype> bilinear_sample(Dtype xs, Dtype ys, int H, int W,
                                                bool align_corners, bool border) {
  const AxisSample<Dtype> r = axis_sample(xs, H, align_corners, border);
  const AxisSample<Dtype> c = axis_sample(ys, W, align_corners, border);
  Sample<Dtype> s;
  s.idx[0] = r.i0 * W + c.i0; s.idx[1] = r.i0 * W + c.i1;
  s.idx[2] = r.i1 * W + c.i0; s.idx[3] = r.i1 * W + c.i1;
  s.w[0] = r.w0 * c.w0; s.w[1] = r.w0 * c.w1; s.w[2] = r.w1 * c.w0; s.w[3] = r.w1 * c.w1;
  s.wx[0] = r.d0 * c.w0; s.wx[1] = r.d0 * c.w1; s.wx[2] = r.d1 * c.w0; s.wx[3] = r.d1 * c.w1;
  s.wy[0] = r.w0 * c.d0; s.wy[1] = r.w0 * c.d1; s.wy[2] = r.w1 * c.d0; s.wy[3] = r.w1 * c.d1;
  return s;
}

// sum_k u_k * w_k: the interpolated value (with w = weights) or its derivative along
// x_s or y_s (with w = wx or wy).
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype bilinear_combine(Dtype u0, Dtype u1, Dtype u2, Dtype u3,
                                         Dtype w0, Dtype w1, Dtype w2, Dtype w3) {
  return (u0 * w0 + u1 * w1) + (u2 * w2 + u3 * w3);
}

// Adds one pixel's contribution to dL/dtheta given gx = dL/dx_s and gy = dL/dy_s.
template <typename Dtype, typename Acc>
CAFFE_HOST_DEVICE void accumulate_theta_grad(Dtype gx, Dtype gy, Dtype xt, Dtype yt, Acc* dth) {
  dth[0] += gx * xt; dth[1] += gx * yt; dth[2] += gx;
  dth[3] += gy * xt; dth[4] += gy * yt; dth[5] += gy;
}

// dL/dtheta of one sample from `parts` partial sums (parts x 6 doubles, added in order,
// then rounded once), and dL/dparams from it by the chain rule.
template <typename Dtype>
CAFFE_HOST_DEVICE void finish_theta_grad(const ThetaSpec<Dtype>& spec, const Dtype* p,
                                         const double* partial, int parts, Dtype* dth,
                                         Dtype* dp) {
  for (int j = 0; j < 6; ++j) {
    double sum = 0;
    for (int part = 0; part < parts; ++part) sum += partial[6 * part + j];
    dth[j] = static_cast<Dtype>(sum);
  }
  theta_param_grad(spec, p, dth, dp);
}

}  // namespace st
}  // namespace caffe
