// InnerProduct (fully connected): flattens the bottom's axes from `axis` on into a
// vector x of length K and computes y = W x + b for each of the M leading positions.
// W is num_output x K (K x num_output when transpose is set); b has num_output entries.
#pragma once

#include "caffe/layers/blas_layer.hpp"

namespace caffe {

template <typename Dtype>
class InnerProductLayer : public BlasLayer<Dtype> {
 public:
  explicit InnerProductLayer(const LayerParameter& param) : BlasLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "InnerProduct"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void forward(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top,
               bool gpu) override;
  void backward(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                const vector<Blob<Dtype>*>& bottom, bool gpu) override;

 private:
  int M_ = 0;  // rows: product of the axes before `axis`
  int K_ = 0;  // input length: product of the axes from `axis` on
  int N_ = 0;  // num_output
  bool bias_term_ = true;
  bool transpose_ = false;
  Blob<Dtype> bias_multiplier_;  // M_ ones
};

}  // namespace caffe
