// LRN (local response normalization) of an N x C x H x W bottom:
//   y = x * (k + alpha / n * sum of x^2 over the neighbourhood)^-beta
// ACROSS_CHANNELS: the neighbourhood is local_size channels centred on x's (n = local_size).
// WITHIN_CHANNEL: a local_size x local_size square centred on x in its channel
// (n = local_size^2, and k is 1, as in Caffe). The neighbourhood is clipped to the blob;
// local_size must be odd. Math: kernels/lrn.hpp.
#pragma once

#include "caffe/kernels/lrn.hpp"
#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class LRNLayer : public Layer<Dtype> {
 public:
  explicit LRNLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "LRN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
#ifdef USE_CUDA
  void Forward_gpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_gpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
#endif

 private:
  LRNGeometry<Dtype> geom_{};
  Blob<Dtype> scale_;  // k + alpha/n * (sum of squares), kept for Backward
};

}  // namespace caffe
