// PowerFile: adds a fixed per-feature shift read from a text file (the seed fork's
// power_file layer). power_file_param.shift_file holds whitespace-separated numbers,
// one per feature (an element of a sample: count over axes 1..). Top = bottom + shift,
// the shift broadcast over the batch axis. No learnable parameters; the gradient passes
// through unchanged. May run in place.
#pragma once

#include <vector>

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class PowerFileLayer : public Layer<Dtype> {
 public:
  explicit PowerFileLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "PowerFile"; }
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

  std::vector<Dtype> shift_values_;  // as read from the file
  Blob<Dtype> shift_;                // the same, where the kernels read it
};

}  // namespace caffe
