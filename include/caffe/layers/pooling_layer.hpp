// Pooling: MAX or AVE over kernel_h x kernel_w windows of each channel of an
// N x C x H x W bottom, moved by stride and offset by pad (or over the whole image
// with global_pooling). Output size per axis, as in Caffe:
//   ceil((in + 2*pad - kernel) / stride) + 1 (floor with round_mode: FLOOR), minus one
//   when padding is used and the last window would start in the bottom/right padding.
// AVE divides by the window's area within the padded image. MAX with a second top
// writes the argmax (h * W + w within the plane) there. STOCHASTIC (BVLC's, for
// non-negative inputs; its windows ignore padding, as in BVLC): in TRAIN each window
// outputs one of its pixels, drawn with probability proportional to its value (from
// Caffe::rng() on the host, cuRAND on the device), and backward passes the gradient to
// it; in TEST it outputs sum(x^2) / sum(x) over the window, and backward is that
// expression's exact gradient.
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
    } else if (is_stochastic() && this->phase() == TRAIN) {
      const int n = top[0]->count();
      if (!draws_ || draws_->size() < n * sizeof(unsigned int))
        draws_.reset(new SyncedMemory(n * sizeof(unsigned int)));
      unsigned int* draw = static_cast<unsigned int*>(Side::mutable_mem(draws_.get()));
      Side::rng_uint(n, draw);
      Side::for_n(rows, StoPoolForwardTrain<Dtype>{x, draw, y, Side::mutable_data(&max_idx_),
                                                   unpadded()}, 2 * work);
    } else if (is_stochastic()) {
      Side::for_n(rows, StoPoolForwardTest<Dtype>{x, y, unpadded(), tiny()}, work);
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
    } else if (is_stochastic() && this->phase() == TRAIN) {
      Side::for_n(rows, MaxPoolBackward<Dtype>{dy, Side::data(&max_idx_), dx, unpadded()}, work);
    } else if (is_stochastic()) {
      Side::for_n(rows, StoPoolBackwardTest<Dtype>{dy, Side::data(bottom[0]), dx, unpadded(),
                                                   tiny()}, work * geom_.kernel_w);
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
  bool is_stochastic() const { return pool_ == PoolingParameter_PoolMethod_STOCHASTIC; }
  // The geometry of stochastic pooling's windows: BVLC's ignore the padding.
  PoolGeometry unpadded() const {
    PoolGeometry g = geom_;
    g.pad_h = g.pad_w = 0;
    return g;
  }
  // The smallest normal float, where stochastic pooling's window sums start (as BVLC's).
  static Dtype tiny() { return Dtype(1.17549435e-38f); }

  PoolingParameter_PoolMethod pool_ = PoolingParameter_PoolMethod_MAX;
  bool global_pooling_ = false;
  bool use_dnnl_ = false;              // the engine resolved to DNNL at set-up
  std::unique_ptr<DnnlPooling> dnnl_;  // prepared for the current shape, or null
  std::string dnnl_declined_;          // what oneDNN offered instead, when it was declined
  PoolGeometry geom_{};
  // Argmax (or STOCHASTIC's choice) indices stored as Dtype (exact below 2^24 pixels per
  // plane for float).
  Blob<Dtype> max_idx_;
  shared_ptr<SyncedMemory> draws_;  // STOCHASTIC in TRAIN: one 32-bit draw per top element
};

}  // namespace caffe
