// LRN (local response normalization) of an N x C x H x W bottom:
//   y = x * (k + alpha / n * sum of x^2 over the neighbourhood)^-beta
// ACROSS_CHANNELS: the neighbourhood is local_size channels centred on x's (n = local_size).
// WITHIN_CHANNEL: a local_size x local_size square centred on x in its channel
// (n = local_size^2, and k is 1, as in Caffe). The neighbourhood is clipped to the blob;
// local_size must be odd. Math: kernels/lrn.hpp.
//
// Engines: the portable pass (kernels/lrn.hpp over CpuSide / GpuSide) serves the GPU,
// double nets and `engine: CAFFE`; float nets on the CPU otherwise run on oneDNN (DnnlLRN).
#pragma once

#include <memory>

#include "caffe/engines/dnnl_lrn.hpp"
#include "caffe/kernels/lrn.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

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

 std::string cpu_engine() const override;

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
  CAFFE_DECLARE_GPU_PASSES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(bottom[0]->count(),
                LRNForward<Dtype>{Side::data(bottom[0]), Side::mutable_data(&scale_),
                                  Side::mutable_data(top[0]), geom_},
                geom_.within_channel ? geom_.size * geom_.size : geom_.size);
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(),
                LRNBackward<Dtype>{Side::data(bottom[0]), Side::data(top[0]), Side::data(&scale_),
                                   Side::diff(top[0]), Side::mutable_diff(bottom[0]), geom_},
                geom_.within_channel ? geom_.size * geom_.size : geom_.size);
  }

 private:
  LRNGeometry<Dtype> geom_{};
  Blob<Dtype> scale_;  // k + alpha/n * (sum of squares), kept for Backward
  bool use_dnnl_ = false;          // the engine resolved to DNNL at set-up
  std::unique_ptr<DnnlLRN> dnnl_;  // prepared for the current shape, or null
};

}  // namespace caffe
