// Pooling: MAX or AVE over kernel_h x kernel_w windows of each channel of an
// N x C x H x W bottom, moved by stride and offset by pad (or over the whole image
// with global_pooling). Output size per axis, as in Caffe:
//   ceil((in + 2*pad - kernel) / stride) + 1 (floor with round_mode: FLOOR), minus one
//   when padding is used and the last window would start in the bottom/right padding.
// AVE divides by the window's area within the padded image. MAX with a second top
// writes the argmax (h * W + w within the plane) there. STOCHASTIC is not supported.
//
// Engines: the portable pass (row functors of kernels/pooling.hpp over CpuSide /
// GpuSide) serves the GPU, double nets, `engine: CAFFE` and the mask top; float nets on
// the CPU otherwise run on oneDNN (DnnlPooling) when it reproduces Caffe's result.
#pragma once

#include <memory>

#include "caffe/engines/dnnl_pooling.hpp"
#include "caffe/kernels/pooling.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class PoolingLayer : public Layer<Dtype> {
 public:
  explicit PoolingLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Its passes read the input while writing the output: never in place.
  bool AllowInPlace() const override { return false; }
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Pooling"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int MinTopBlobs() const override { return 1; }
  // MAX may also output its argmax mask.
  int MaxTopBlobs() const override {
    return this->layer_param_.pooling_param().pool() == PoolingParameter_PoolMethod_MAX ? 2 : 1;
  }

 std::string cpu_engine() const override;

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                    const vector<Blob<Dtype>*>& bottom) override;
  CAFFE_DECLARE_GPU_PASSES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int64_t rows = top[0]->count() / geom_.pooled_w;  // one call per top row
    const int64_t work = static_cast<int64_t>(geom_.pooled_w) * geom_.kernel_h * geom_.kernel_w;
    const Dtype* x = Side::data(bottom[0]);
    Dtype* y = Side::mutable_data(top[0]);
    if (is_max()) {
      Side::for_n(rows, MaxPoolForward<Dtype>{x, y, Side::mutable_data(mask_blob(top)), geom_}, work);
    } else {
      Side::for_n(rows, AvePoolForward<Dtype>{x, y, geom_}, work);
    }
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const int64_t rows = bottom[0]->count() / geom_.width;  // one call per bottom row
    const int64_t work = geom_.width + static_cast<int64_t>(geom_.pooled_w) * geom_.kernel_h;
    const Dtype* dy = Side::diff(top[0]);
    Dtype* dx = Side::mutable_diff(bottom[0]);
    if (is_max()) {
      Side::for_n(rows, MaxPoolBackward<Dtype>{dy, Side::data(mask_blob(top)), dx, geom_}, work);
    } else {
      Side::for_n(rows, AvePoolBackward<Dtype>{dy, dx, geom_}, work);
    }
  }

 private:
  // Where MAX keeps its argmax: the second top when there is one, else max_idx_.
  Blob<Dtype>* mask_blob(const vector<Blob<Dtype>*>& top) {
    return top.size() > 1 ? top[1] : &max_idx_;
  }
  bool is_max() const { return pool_ == PoolingParameter_PoolMethod_MAX; }

  PoolingParameter_PoolMethod pool_ = PoolingParameter_PoolMethod_MAX;
  bool global_pooling_ = false;
  bool use_dnnl_ = false;              // the engine resolved to DNNL at set-up
  std::unique_ptr<DnnlPooling> dnnl_;  // prepared for the current shape, or null
  PoolGeometry geom_{};
  // Argmax indices stored as Dtype (exact below 2^24 pixels per plane for float).
  Blob<Dtype> max_idx_;
};

}  // namespace caffe
