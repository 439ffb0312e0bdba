// BlasLayer: base for layers whose work is all BLAS calls and buffer moves
// (util/device_math.hpp), e.g. InnerProduct and the convolutions. They write one
// forward/backward taking `gpu`; Forward_cpu/_gpu and Backward_cpu/_gpu call it.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class BlasLayer : public Layer<Dtype> {
 public:
  explicit BlasLayer(const LayerParameter& param) : Layer<Dtype>(param) {}

 protected:
  // The whole pass, with blob memory and math on the host (gpu = false) or the device.
  virtual void forward(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top,
                       bool gpu) = 0;
  virtual void backward(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                        const vector<Blob<Dtype>*>& bottom, bool gpu) = 0;

  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    forward(bottom, top, false);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override {
    backward(top, propagate_down, bottom, false);
  }
#ifdef USE_CUDA
  void Forward_gpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override {
    forward(bottom, top, true);
  }
  void Backward_gpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override {
    backward(top, propagate_down, bottom, true);
  }
#endif
};

}  // namespace caffe
