// EuclideanLoss: L = sum (a - b)^2 / (2 N) over two bottoms of equal count, N being
// the first dimension. Both bottoms take gradients.
#pragma once

#include "caffe/layers/loss_layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class EuclideanLossLayer : public LossLayer<Dtype> {
 public:
  explicit EuclideanLossLayer(const LayerParameter& param) : LossLayer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "EuclideanLoss"; }
  bool AllowForceBackward(int) const override { return true; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int n = bottom[0]->count();
    Dtype* d = Side::mutable_data(&diff_);
    Side::copy(n, Side::data(bottom[0]), d);
    Side::axpy(n, Dtype(-1), Side::data(bottom[1]), d);
    const double sum_sq = Side::total(n, kernels::Product<Dtype>{d, d});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(sum_sq / bottom[0]->shape(0) / 2);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const int n = bottom[0]->count();
    for (int i = 0; i < 2; ++i) {
      if (!propagate_down[i]) continue;
      const Dtype alpha = (i == 0 ? 1 : -1) * top[0]->cpu_diff()[0] / bottom[i]->shape(0);
      Dtype* dx = Side::mutable_diff(bottom[i]);
      Side::copy(n, Side::data(&diff_), dx);
      Side::scal(n, alpha, dx);
    }
  }

  Blob<Dtype> diff_;  // a - b
};

}  // namespace caffe
