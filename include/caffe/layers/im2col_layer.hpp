// Im2col (BVLC's): unfolds each image of an N x C x H x W bottom into the column buffer a
// convolution with convolution_param's kernel, stride, pad and dilation would multiply
// (2-D only): top N x (C * kernel_h * kernel_w) x out_h x out_w, where channel
// (c * kernel_h + i) * kernel_w + j holds the pixel at kernel offset (i, j) of channel c
// (0 where the window reaches into the padding). Backward folds the gradient back,
// summing over the windows that read each pixel.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class Im2colLayer : public Layer<Dtype> {
 public:
  explicit Im2colLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "Im2col"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* x = Side::data(bottom[0]);
    Dtype* y = Side::mutable_data(top[0]);
    for (int n = 0; n < num_; ++n) Side::im2col(x + n * bottom_dim_, geom_, y + n * top_dim_);
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const Dtype* dy = Side::diff(top[0]);
    Dtype* dx = Side::mutable_diff(bottom[0]);
    for (int n = 0; n < num_; ++n) Side::col2im(dy + n * top_dim_, geom_, dx + n * bottom_dim_);
  }

 private:
  int kernel_[2], stride_[2], pad_[2], dilation_[2];
  int num_ = 0;
  int64_t bottom_dim_ = 0, top_dim_ = 0;
  ConvGeometry geom_{};
};

}  // namespace caffe
