// Per-element math of the pairwise and per-value losses: SigmoidCrossEntropyLoss,
// ContrastiveLoss, HingeLoss, MultinomialLogisticLoss, InfogainLoss.
#pragma once

#include <cstdint>

#include "caffe/kernels/host_device.hpp"
#include "caffe/kernels/math.hpp"
#include "caffe/kernels/neuron.hpp"
#include "caffe/kernels/softmax.hpp"

namespace caffe {
namespace kernels {

// Sigmoid cross-entropy of logit x against target p:
// -(p log sigmoid(x) + (1 - p) log(1 - sigmoid(x))), computed without overflow; 0 where
// the target is the ignored label. A reduction term over the values.
template <typename Dtype>
struct SigmoidCrossEntropyTerm {
  const Dtype* x;
  const Dtype* p;
  LabelFilter filter;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t i, int64_t) const {
    if (!filter.counts(static_cast<int>(p[i]))) return Dtype(0);
    const Dtype pos = x[i] >= Dtype(0) ? Dtype(1) : Dtype(0);
    return -(x[i] * (p[i] - pos) - hd_log(Dtype(1) + hd_exp(x[i] - 2 * x[i] * pos)));
  }
};

template <typename Dtype>
struct SigmoidCrossEntropyGradAt {  // dx = scale (sigmoid(x) - p)
  const Dtype* x;
  const Dtype* p;
  Dtype* dx;
  Dtype scale;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    dx[i] = filter.counts(static_cast<int>(p[i]))
                ? scale * (SigmoidOp<Dtype>{}.forward(x[i]) - p[i]) : Dtype(0);
  }
};

// Contrastive loss of a pair at squared distance d2 with similarity label y (nonzero:
// similar): similar pairs cost d2, dissimilar ones max(margin - d, 0)^2, or
// max(margin - d2, 0) in the legacy version.
template <typename Dtype>
struct ContrastiveTerm {
  Dtype margin;
  bool legacy;
  // How far a dissimilar pair is inside the margin (<= 0: not at all).
  CAFFE_HOST_DEVICE Dtype inside(Dtype d2) const {
    return legacy ? margin - d2 : margin - hd_pow(d2, Dtype(0.5));
  }
  CAFFE_HOST_DEVICE Dtype loss(Dtype d2, bool similar) const {
    if (similar) return d2;
    const Dtype m = hd_max(inside(d2), Dtype(0));
    return legacy ? m : m * m;
  }
  // d loss / d diff_k = factor * diff_k.
  CAFFE_HOST_DEVICE Dtype factor(Dtype d2, bool similar) const {
    if (similar) return Dtype(2);
    const Dtype m = inside(d2);
    if (m <= Dtype(0)) return Dtype(0);
    return legacy ? Dtype(-2) : Dtype(-2) * m / (hd_pow(d2, Dtype(0.5)) + Dtype(1e-4));
  }
};

template <typename Dtype>
struct ContrastiveLossTerm {  // reduction term over the pairs r
  const Dtype* dist_sq;
  const Dtype* y;
  ContrastiveTerm<Dtype> term;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t r, int64_t) const {
    return term.loss(dist_sq[r], y[r] != Dtype(0));
  }
};

template <typename Dtype>
struct ContrastiveGradAt {  // dx = scale * factor * (a - b), one call per value
  const Dtype* diff;
  const Dtype* dist_sq;
  const Dtype* y;
  Dtype* dx;
  int64_t dim;
  Dtype scale;
  ContrastiveTerm<Dtype> term;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t r = i / dim;
    dx[i] = scale * term.factor(dist_sq[r], y[r] != Dtype(0)) * diff[i];
  }
};

// Hinge: the margin violation max(0, 1 + s x) of score x, s = -1 for the true class, 1 for
// the others.
CAFFE_HOST_DEVICE int hinge_sign(int64_t i, int64_t dim, int label) {
  return i % dim == label ? -1 : 1;
}

template <typename Dtype>
struct HingeMarginAt {
  const Dtype* x;
  const Dtype* label;
  Dtype* margin;
  int64_t dim;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int s = hinge_sign(i, dim, static_cast<int>(label[i / dim]));
    margin[i] = hd_max(Dtype(0), Dtype(1) + s * x[i]);
  }
};

template <typename Dtype>
struct HingeGradAt {  // L1: d/dx = s [margin > 0]; L2 (of the squared margins): 2 s margin
  const Dtype* margin;
  const Dtype* label;
  Dtype* dx;
  int64_t dim;
  Dtype scale;
  bool l2;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int s = hinge_sign(i, dim, static_cast<int>(label[i / dim]));
    const Dtype g = l2 ? Dtype(2) * margin[i] : (margin[i] > Dtype(0) ? Dtype(1) : Dtype(0));
    dx[i] = scale * s * g;
  }
};

// Multinomial logistic loss: -log(max(probability of the labelled class, 1e-20)).
template <typename Dtype>
CAFFE_HOST_DEVICE Dtype clamped_probability(Dtype p) { return hd_max(p, Dtype(1e-20)); }

template <typename Dtype>
struct MultinomialLogisticTerm {  // reduction term over the items r
  const Dtype* prob;
  const Dtype* label;
  int64_t dim;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t r, int64_t) const {
    return -hd_log(clamped_probability(prob[r * dim + static_cast<int64_t>(label[r])]));
  }
};

template <typename Dtype>
struct MultinomialLogisticGradAt {  // one call per value
  const Dtype* prob;
  const Dtype* label;
  Dtype* dx;
  int64_t dim;
  Dtype scale;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    dx[i] = i % dim == static_cast<int64_t>(label[i / dim])
                ? -scale / clamped_probability(prob[i]) : Dtype(0);
  }
};

// Infogain: with probabilities prob (outer x K x inner), labels l per position and the
// K x K matrix H, position p costs -sum_k H[l, k] log(max(prob_k, 1e-20)).
template <typename Dtype>
struct InfogainLossTerm {  // reduction term over positions p: p's cost (0 if ignored)
  const Dtype* prob;
  const Dtype* label;
  const Dtype* H;
  int64_t K, inner;
  LabelFilter filter;
  CAFFE_HOST_DEVICE Dtype operator()(int64_t p, int64_t) const {
    const int l = static_cast<int>(label[p]);
    if (!filter.counts(l)) return Dtype(0);
    Dtype sum = 0;
    const int64_t base = channel_base(p, K, inner);
    for (int64_t k = 0; k < K; ++k)
      sum -= H[l * K + k] * hd_log(clamped_probability(prob[base + k * inner]));
    return sum;
  }
};

template <typename Dtype>
struct InfogainGradAt {  // dx_k = scale (prob_k * sum_k' H[l, k'] - H[l, k]), one call per value
  const Dtype* prob;
  const Dtype* label;
  const Dtype* H;
  const Dtype* H_row_sum;
  Dtype* dx;
  int64_t K, inner;
  Dtype scale;
  LabelFilter filter;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t k = (i / inner) % K;
    const int l = static_cast<int>(label[(i / (K * inner)) * inner + i % inner]);
    dx[i] = filter.counts(l) ? scale * (prob[i] * H_row_sum[l] - H[l * K + k]) : Dtype(0);
  }
};

}  // namespace kernels
}  // namespace caffe
