// oneDNN engine for local response normalization in float, forward and backward.
// LRNLayer uses it when its engine resolves to DNNL. Test-phase nets normalise in Caffe's
// plain layout (oneDNN's fastest forward there); training nets compute in oneDNN's
// blocked layout, whose backward kernel is the fast one, staging data in and out
// (dnnl_util.hpp), and keep oneDNN's workspace from forward for backward.
#pragma once

#include <memory>
#include <string>

namespace caffe {

struct DnnlLRNShape {
  int num = 0, channels = 0, height = 0, width = 0, size = 1;
  bool within_channel = false;
  float alpha = 1, beta = 0.75f, k = 1;  // Caffe's parameters (alpha not yet divided)
  bool training = true;
  bool operator==(const DnnlLRNShape& o) const;
};

class DnnlLRN {
 public:
  explicit DnnlLRN(std::string where);
  ~DnnlLRN();
  bool Prepare(const DnnlLRNShape& shape);
  void Forward(const float* x, float* y);
  // dx from the input x of the last Forward and dy: overwrites dx.
  void Backward(const float* x, const float* dy, float* dx);
  std::string implementation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string where_;
};

}  // namespace caffe
