// oneDNN engine for 2-D max and average pooling in float, forward and backward, on
// Caffe's plain N x C x H x W arrays (oneDNN's AVX-512 pooling runs on that layout
// directly, so nothing is staged). PoolingLayer uses it when its engine resolves to DNNL,
// the layer does not output the argmax mask (a second top in Caffe's own index format)
// and oneDNN has a JIT kernel for the shape, keeping its portable pass otherwise. Max
// pooling's backward pass reads the winners' positions that the forward pass left in the
// engine's workspace.
#pragma once

#include <memory>
#include <string>

namespace caffe {

struct DnnlPoolShape {
  int num = 0, channels = 0, height = 0, width = 0, pooled_h = 0, pooled_w = 0;
  int kernel[2] = {1, 1}, stride[2] = {1, 1}, pad[2] = {0, 0};
  bool max = true;
  bool operator==(const DnnlPoolShape& o) const;
};

class DnnlPooling {
 public:
  explicit DnnlPooling(std::string where);
  ~DnnlPooling();
  // Returns false when oneDNN cannot reproduce Caffe's result for this shape (average
  // pooling whose last window reaches past the padding: Caffe's divisor counts the
  // padding but not that overhang) or has no JIT kernel for it (see declined()).
  bool Prepare(const DnnlPoolShape& shape);
  // After a Prepare that returned false because oneDNN offered only a slower, non-JIT
  // implementation: that implementation's name ("simple_nchw:any"); else empty.
  const std::string& declined() const { return declined_; }
  void Forward(const float* x, float* y);
  // dx = the gradient of the last Forward's windows: overwrites dx.
  void Backward(const float* dy, float* dx);
  std::string implementation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string where_;
  std::string declined_;
};

}  // namespace caffe
