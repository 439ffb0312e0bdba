// Softmax: y = exp(x) / sum exp(x) along softmax_param.axis (default 1), computed
// stably (the maximum is subtracted first). Each position of the other axes is one
// independent distribution.
#pragma once

#include "caffe/kernels/softmax.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SoftmaxLayer : public Layer<Dtype> {
 public:
  explicit SoftmaxLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Softmax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // y = exp(x - max) / sum exp(x - max): the maximum and the sum of each position are
  // segmented reductions into per_position_, the exponentials and the division maps.
  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* x = Side::data(bottom[0]);
    Dtype* y = Side::mutable_data(top[0]);
    Dtype* stat = Side::mutable_data(&per_position_);
    const int64_t n = bottom[0]->count();
    Side::segment_max(positions(), kernels::Value<Dtype>{x}, stat);
    Side::for_n(n, kernels::ExpShifted<Dtype>{x, stat, y, channels_, inner_});
    Side::segment_sum(positions(), kernels::Value<Dtype>{y}, stat);
    Side::for_n(n, kernels::DivideByPosition<Dtype>{y, stat, channels_, inner_});
  }
  // dx = (dy - <dy, y>) * y, the dot product taken per position.
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const Dtype* y = Side::data(top[0]);
    const Dtype* dy = Side::diff(top[0]);
    Dtype* dot = Side::mutable_data(&per_position_);
    Side::segment_sum(positions(), kernels::Product<Dtype>{dy, y}, dot);
    Side::for_n(top[0]->count(), kernels::SoftmaxGrad<Dtype>{
        y, dy, dot, Side::mutable_diff(bottom[0]), channels_, inner_});
  }

  // One segment per softmax vector: the channels at each (outer, inner) position.
  kernels::Segments positions() const {
    return kernels::Segments::along(outer_, channels_, inner_);
  }

  int64_t outer_ = 0, channels_ = 0, inner_ = 0;
  Blob<Dtype> per_position_;  // the maximum, then the sum, of each position
};

}  // namespace caffe
