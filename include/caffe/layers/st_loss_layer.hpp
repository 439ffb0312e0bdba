// STLoss: keeps a spatial transformer's sampling grid inside the image (the seed
// fork's st_loss). Bottom: theta, N x 6 (full affine matrices). For the
// st_loss_param.output_H x output_W grid of target points (x_t, y_t) in the
// SpatialTransformer's default coordinates, each source point (x_s, y_s) = theta .
// (x_t, y_t, 1) costs 0.5 * e(x_s)^2 + 0.5 * e(y_s)^2 with e(v) = how far v lies
// outside [-1, 1]. Top: the mean over the N * output_H * output_W points (a scalar).
// Loss weight 1 unless loss_weight says otherwise.
#pragma once

#include "caffe/kernels/st_companions.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class STLossLayer : public Layer<Dtype> {
 public:
  explicit STLossLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "STLoss"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const int N = bottom[0]->shape(0);
    Side::for_n(N, st::STLossSample<Dtype>{Side::data(bottom[0]), output_H_, output_W_,
                                           Side::mutable_data(&per_sample_),
                                           Side::mutable_data(&dtheta_)});
    const double sum = Side::total(N, kernels::Value<Dtype>{Side::data(&per_sample_)});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(sum / (double(N) * output_H_ * output_W_));
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const int N = bottom[0]->shape(0);
    const Dtype scale = top[0]->cpu_diff()[0] / (Dtype(N) * output_H_ * output_W_);
    Side::scale(dtheta_.count(), scale, Side::data(&dtheta_), Side::mutable_diff(bottom[0]));
  }

  int output_H_ = 0, output_W_ = 0;
  Blob<Dtype> per_sample_;  // N: each sample's summed penalty
  Blob<Dtype> dtheta_;      // N x 6: its gradient with respect to theta
};

}  // namespace caffe
