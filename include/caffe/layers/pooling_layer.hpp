// Pooling: MAX or AVE over kernel_h x kernel_w windows of each channel of an
// N x C x H x W bottom, moved by stride and offset by pad (or over the whole image
// with global_pooling). Output size per axis, as in Caffe:
//   ceil((in + 2*pad - kernel) / stride) + 1 (floor with round_mode: FLOOR), minus one
//   when padding is used and the last window would start in the bottom/right padding.
// AVE divides by the window's area within the padded image. MAX with a second top
// writes the argmax (h * W + w within the plane) there. STOCHASTIC is not supported.
#pragma once

#include "caffe/kernels/pooling.hpp"
#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class PoolingLayer : public Layer<Dtype> {
 public:
  explicit PoolingLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Pooling"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  // MAX may also output its argmax mask.
  int MaxTopBlobs() const override {
    return this->layer_param_.pooling_param().pool() == PoolingParameter_PoolMethod_MAX ? 2 : 1;
  }

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
  // Where MAX keeps its argmax: the second top when there is one, else max_idx_.
  Blob<Dtype>* mask_blob(const vector<Blob<Dtype>*>& top) {
    return top.size() > 1 ? top[1] : &max_idx_;
  }
  bool is_max() const { return pool_ == PoolingParameter_PoolMethod_MAX; }

  PoolingParameter_PoolMethod pool_ = PoolingParameter_PoolMethod_MAX;
  bool global_pooling_ = false;
  PoolGeometry geom_{};
  // Argmax indices stored as Dtype (exact below 2^24 pixels per plane for float).
  Blob<Dtype> max_idx_;
};

}  // namespace caffe
