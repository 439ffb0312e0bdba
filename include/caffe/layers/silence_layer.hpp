// Silence: takes any number of bottoms and outputs nothing, so that a blob nobody reads
// is not reported as a net output. Backward gives every bottom a zero gradient.
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SilenceLayer : public Layer<Dtype> {
 public:
  explicit SilenceLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) override {}
  const char* type() const override { return "Silence"; }
  int MinBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {}
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>&, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    for (size_t i = 0; i < bottom.size(); ++i) {
      if (propagate_down[i]) Side::set(bottom[i]->count(), Dtype(0), Side::mutable_diff(bottom[i]));
    }
  }
};

}  // namespace caffe
