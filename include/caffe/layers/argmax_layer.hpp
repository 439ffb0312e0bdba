// ArgMax: the indices (or with out_max_val the values) of the top_k (default 1) largest
// values, along argmax_param.axis or, without an axis, over all values of each item. Without
// an axis the top is N x (1, or 2 with out_max_val: indices then values) x top_k; with an
// axis it is the bottom's shape with top_k on that axis. It has no gradient.
#pragma once

#include "caffe/kernels/reduction.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class ArgMaxLayer : public Layer<Dtype> {
 public:
  explicit ArgMaxLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "ArgMax"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int) const override { return false; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const ArgMaxParameter& p = this->layer_param_.argmax_param();
    Side::for_n(rows_, kernels::ArgMaxRow<Dtype>{
        Side::data(bottom[0]), Side::mutable_data(top[0]), dim_, inner_,
        static_cast<int64_t>(p.top_k()), p.out_max_val(), !p.has_axis()});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>&, const vector<bool>&, const vector<Blob<Dtype>*>&) {}

  int64_t rows_ = 1, dim_ = 1, inner_ = 1;
};

}  // namespace caffe
