// Filter (BVLC's): bottoms x_1 ... x_k and a selector s, the last bottom, with one value
// per item (shape N, or N x 1 x ...); tops y_1 ... y_k hold the items (rows along the
// first axis) of x_1 ... x_k whose selector is non-zero, in order. Backward passes each
// top row's gradient back to the row it came from; rows that were dropped get zero. The
// selector gets no gradient. The first reshape (at set-up, before any selector is loaded)
// keeps all N rows, as BVLC does.
#pragma once

#include "caffe/kernels/rows.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class FilterLayer : public Layer<Dtype> {
 public:
  explicit FilterLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "Filter"; }
  int MinBottomBlobs() const override { return 2; }
  int MinTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override {
    return bottom_index + 1 < static_cast<int>(this->layer_param_.bottom_size());
  }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    for (size_t i = 0; i < top.size(); ++i) {
      Side::for_n(top[i]->count(), kernels::GatherRows<Dtype>{
          Side::data(bottom[i]), Side::data(&selected_), Side::mutable_data(top[i]),
          bottom[i]->count(1)});
    }
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    for (size_t i = 0; i < top.size(); ++i) {
      if (!propagate_down[i]) continue;
      Side::for_n(bottom[i]->count(), kernels::GatherRows<Dtype>{
          Side::diff(top[i]), Side::data(&top_row_), Side::mutable_diff(bottom[i]),
          bottom[i]->count(1)});
    }
  }

 private:
  bool first_reshape_ = true;
  Blob<Dtype> selected_;  // the bottom row of each top row
  Blob<Dtype> top_row_;   // the top row of each bottom row, or -1
};

}  // namespace caffe
