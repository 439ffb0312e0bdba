// Parameter: no bottom; its one top is a learned blob of shape parameter_param.shape
// (BVLC's Parameter layer), initialised to zeros unless it comes with the definition
// (a .caffemodel). Forward copies the blob to the top; backward adds the top's gradient
// to the blob's (BVLC shares the two blobs' memory instead; the values are the same).
#pragma once

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class ParameterLayer : public Layer<Dtype> {
 public:
  explicit ParameterLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>& top) override {
    top[0]->ReshapeLike(*this->blobs_[0]);
  }
  const char* type() const override { return "Parameter"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>& top) {
    Side::copy(top[0]->count(), Side::data(this->blobs_[0].get()), Side::mutable_data(top[0]));
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>&,
                  const vector<Blob<Dtype>*>&) {
    if (!this->param_propagate_down(0)) return;
    Side::axpy(top[0]->count(), Dtype(1), Side::diff(top[0]),
               Side::mutable_diff(this->blobs_[0].get()));
  }
};

}  // namespace caffe
