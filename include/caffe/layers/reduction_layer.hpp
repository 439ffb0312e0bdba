// Reduction: reduces all axes from reduction_param.axis (default 0) on to one value,
// SUM, ASUM (sum of |x|), SUMSQ (sum of x^2) or MEAN, times reduction_param.coeff
// (default 1). The top's shape is the bottom's axes before axis (a scalar for axis 0).
#pragma once

#include "caffe/kernels/reduction.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class ReductionLayer : public Layer<Dtype> {
 public:
  explicit ReductionLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Reduction"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::segment_sum(kernels::Segments::rows(top[0]->count(), dim_),
                      kernels::ReductionValue<Dtype>{Side::data(bottom[0]), {op_}},
                      Side::mutable_data(top[0]), coeff_);
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Side::for_n(bottom[0]->count(), kernels::ReductionBackward<Dtype>{
        Side::data(bottom[0]), Side::diff(top[0]), Side::mutable_diff(bottom[0]), dim_, coeff_,
        {op_}});
  }

  int op_ = 1;
  int64_t dim_ = 1;
  Dtype coeff_ = 1;  // with MEAN's 1/dim folded in
};

}  // namespace caffe
