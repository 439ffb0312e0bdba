// LocLoss: penalises localisation outputs beyond a threshold (the seed fork's
// loc_loss). Bottom: x, N x ... . Top: the scalar
//     (1 / N) * sum_i 0.5 * (|x_i| - threshold)^2 over the elements with |x_i| > threshold,
// threshold = loc_loss_param.threshold (default 0). Loss weight 1 unless loss_weight
// says otherwise.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class LocLossLayer : public Layer<Dtype> {
 public:
  explicit LocLossLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "LocLoss"; }
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

  Dtype threshold_ = 0;
  Blob<Dtype> per_element_;  // the bottom's shape: each element's penalty
};

}  // namespace caffe
