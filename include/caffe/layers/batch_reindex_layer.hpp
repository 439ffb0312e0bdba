// BatchReindex (BVLC's): bottom x (N x ...) and indices p (M values, each in [0, N));
// top y (M x ...) with y[j] = x[p[j]] (rows along the first axis; an index may repeat or
// be left out). Backward: each row of x receives the sum of the gradients of the top rows
// that copied it. The indices get no gradient; one outside [0, N) is a ShapeError.
#pragma once

#include "caffe/kernels/rows.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class BatchReindexLayer : public Layer<Dtype> {
 public:
  explicit BatchReindexLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "BatchReindex"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(top[0]->count(), kernels::GatherRows<Dtype>{
        Side::data(bottom[0]), Side::data(&perm_), Side::mutable_data(top[0]), bottom[0]->count(1)});
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::SumGatheredRows<Dtype>{
        Side::diff(top[0]), Side::data(&start_), Side::data(&copies_),
        Side::mutable_diff(bottom[0]), bottom[0]->count(1)});
  }

 private:
  Blob<Dtype> perm_;    // the indices, checked
  Blob<Dtype> start_;   // N + 1 offsets into copies_
  Blob<Dtype> copies_;  // per bottom row, the top rows that copy it
};

}  // namespace caffe
