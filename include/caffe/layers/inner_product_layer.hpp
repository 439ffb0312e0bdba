// InnerProduct (fully connected): flattens the bottom's axes from `axis` on into a
// vector x of length K and computes y = W x + b for each of the M leading positions.
// W is num_output x K (K x num_output when transpose is set); b has num_output entries.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class InnerProductLayer : public Layer<Dtype> {
 public:
  explicit InnerProductLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Its passes read the input while writing the output: never in place.
  bool AllowInPlace() const override { return false; }
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "InnerProduct"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Dtype* y = Side::mutable_data(top[0]);
    // y (M x N) = x (M x K) . W^T, W stored N x K (or K x N when transposed).
    Side::gemm(CblasNoTrans, transpose_ ? CblasNoTrans : CblasTrans, M_, N_, K_, Dtype(1),
               Side::data(bottom[0]), Side::data(this->blobs_[0].get()), Dtype(0), y);
    if (bias_term_) {
      Side::gemm(CblasNoTrans, CblasNoTrans, M_, N_, 1, Dtype(1), Side::data(&bias_multiplier_),
                 Side::data(this->blobs_[1].get()), Dtype(1), y);
    }
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* dy = Side::diff(top[0]);
    if (this->param_propagate_down(0)) {
      // Parameter gradients accumulate, as in Caffe (the solver clears them).
      const Dtype* x = Side::data(bottom[0]);
      Dtype* dw = Side::mutable_diff(this->blobs_[0].get());
      if (transpose_) {  // dW (K x N) += x^T dy
        Side::gemm(CblasTrans, CblasNoTrans, K_, N_, M_, Dtype(1), x, dy, Dtype(1), dw);
      } else {           // dW (N x K) += dy^T x
        Side::gemm(CblasTrans, CblasNoTrans, N_, K_, M_, Dtype(1), dy, x, Dtype(1), dw);
      }
    }
    if (bias_term_ && this->param_propagate_down(1)) {
      Side::gemv(CblasTrans, M_, N_, Dtype(1), dy, Side::data(&bias_multiplier_), Dtype(1),
                 Side::mutable_diff(this->blobs_[1].get()));
    }
    if (propagate_down[0]) {  // dx (M x K) = dy (M x N) . W
      Side::gemm(CblasNoTrans, transpose_ ? CblasTrans : CblasNoTrans, M_, K_, N_, Dtype(1), dy,
                 Side::data(this->blobs_[0].get()), Dtype(0), Side::mutable_diff(bottom[0]));
    }
  }

 private:
  int M_ = 0;  // rows: product of the axes before `axis`
  int K_ = 0;  // input length: product of the axes from `axis` on
  int N_ = 0;  // num_output
  bool bias_term_ = true;
  bool transpose_ = false;
  Blob<Dtype> bias_multiplier_;  // M_ ones
};

}  // namespace caffe
