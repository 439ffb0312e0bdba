// LocLoss: penalises localisation outputs beyond a threshold (the seed fork's
// loc_loss). Bottom: x, N x ... . Top: the scalar
//     (1 / N) * sum_i 0.5 * (|x_i| - threshold)^2 over the elements with |x_i| > threshold,
// threshold = loc_loss_param.threshold (default 0). Loss weight 1 unless loss_weight
// says otherwise.
#pragma once

#include "caffe/kernels/st_companions.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class LocLossLayer : public Layer<Dtype> {
 public:
  explicit LocLossLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "LocLoss"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const double loss =
        Side::total(bottom[0]->count(), st::LocLossTerm<Dtype>{Side::data(bottom[0]), threshold_});
    top[0]->mutable_cpu_data()[0] = static_cast<Dtype>(loss / bottom[0]->shape(0));
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const Dtype scale = top[0]->cpu_diff()[0] / Dtype(bottom[0]->shape(0));
    Side::for_n(bottom[0]->count(), st::LocLossGrad<Dtype>{
        Side::data(bottom[0]), threshold_, Side::mutable_diff(bottom[0]), scale});
  }

  Dtype threshold_ = 0;
};

}  // namespace caffe
