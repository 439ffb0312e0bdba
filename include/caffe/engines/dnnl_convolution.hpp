// oneDNN engine for 2-D convolution in float: forward (with bias), backward data and
// backward weights (+bias), for every group / stride / pad / dilation Caffe allows.
// BaseConvolutionLayer runs its CPU passes through it when the layer's engine resolves
// to DNNL (see Caffe::default_cpu_engine); Deconvolution uses the same three passes with
// the roles of its bottom and top swapped, exactly as its portable pass does.
//
// Operands are Caffe's plain row-major arrays (N x C x H x W; weights
// out x in/group x kh x kw); the engine stages them into the layouts oneDNN's
// implementation prefers and back (dnnl_util.hpp). Gradients accumulate (+=) into dw
// and db, as Caffe's parameter diffs do.
#pragma once

#include <memory>
#include <string>

namespace caffe {

struct DnnlConvShape {
  int num = 0, groups = 1;
  int in_c = 0, in_h = 0, in_w = 0;     // the image side of the convolution
  int out_c = 0, out_h = 0, out_w = 0;  // the filtered side
  int kernel[2] = {1, 1}, stride[2] = {1, 1}, pad[2] = {0, 0}, dilation[2] = {1, 1};
  bool bias = false;
  bool operator==(const DnnlConvShape& o) const;
};

class DnnlConvolution {
 public:
  // `where` prefixes error messages (the layer's name and type).
  explicit DnnlConvolution(std::string where);
  ~DnnlConvolution();
  // Sets the shape (cheap when unchanged). Returns false when oneDNN has nothing better
  // than its reference code for it: the caller then keeps its own passes.
  bool Prepare(const DnnlConvShape& shape);
  // y = conv(x, w) (+ b when the shape has a bias; b may be null otherwise).
  void Forward(const float* x, const float* w, const float* b, float* y);
  // dx = conv^T(dy, w): overwrites dx.
  void BackwardData(const float* dy, const float* w, float* dx);
  // dw += dL/dw, and db += dL/db when db is non-null (needs a bias in the shape).
  void BackwardWeights(const float* x, const float* dy, float* dw, float* db);
  // The implementation oneDNN picked for the forward pass, e.g. "jit:avx512_core".
  std::string implementation() const;
  // True when the layer's portable backward pass is the faster one for this shape: a
  // first layer (fewer than 8 input channels per group) for which oneDNN has only its
  // GEMM-based backward-weights kernel (machines without AVX-512). The layer then runs
  // forward here and backward (data and weights) on its own im2col + GEMM pass.
  bool portable_backward() const { return portable_backward_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string where_;
  bool portable_backward_ = false;
};

}  // namespace caffe
