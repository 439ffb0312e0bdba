// Eltwise: combines bottoms of one shape element by element: PROD (product), SUM
// (weighted by eltwise_param.coeff, default 1 each; the default operation) or MAX.
#pragma once

#include "caffe/kernels/eltwise.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class EltwiseLayer : public Layer<Dtype> {
 public:
  explicit EltwiseLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Eltwise"; }
  int MinBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  // The bottoms' data pointers on Side, as an array readable on Side.
  template <class Side>
  const Dtype* const* BottomPointers(const vector<Blob<Dtype>*>& bottom) {
    auto** host = static_cast<const Dtype**>(pointers_->mutable_cpu_data());
    for (size_t i = 0; i < bottom.size(); ++i) host[i] = Side::data(bottom[i]);
    return static_cast<const Dtype* const*>(Side::mem(pointers_.get()));
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* const* x = BottomPointers<Side>(bottom);
    Side::for_n(top[0]->count(), kernels::EltwiseForwardAt<Dtype>{
        x, static_cast<int>(bottom.size()), kind_, Side::data(&coeffs_),
        Side::mutable_data(top[0]),
        kind_ == kernels::kEltwiseMax ? Side::mutable_data(&arg_) : nullptr});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* const* x = BottomPointers<Side>(bottom);
    const Dtype* arg = kind_ == kernels::kEltwiseMax ? Side::data(&arg_) : nullptr;
    for (size_t k = 0; k < bottom.size(); ++k) {
      if (!propagate_down[k]) continue;
      Side::for_n(top[0]->count(), kernels::EltwiseBackwardAt<Dtype>{
          x, static_cast<int>(bottom.size()), static_cast<int>(k), kind_,
          coeffs_.cpu_data()[k], stable_prod_grad_, Side::data(top[0]), Side::diff(top[0]),
          arg, Side::mutable_diff(bottom[k])});
    }
  }

  int kind_ = kernels::kEltwiseSum;
  bool stable_prod_grad_ = true;
  Blob<Dtype> coeffs_;                 // one per bottom (SUM)
  Blob<Dtype> arg_;                    // MAX: index of the winning bottom per element
  shared_ptr<SyncedMemory> pointers_;  // bottom data pointers for the kernels
};

}  // namespace caffe
