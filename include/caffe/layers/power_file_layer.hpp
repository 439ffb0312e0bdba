// PowerFile: adds a fixed per-feature shift read from a text file (the seed fork's
// power_file layer). power_file_param.shift_file holds whitespace-separated numbers,
// one per feature (an element of a sample: count over axes 1..). Top = bottom + shift,
// the shift broadcast over the batch axis. No learnable parameters; the gradient passes
// through unchanged. May run in place.
#pragma once

#include <vector>

#include "caffe/kernels/st_companions.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class PowerFileLayer : public Layer<Dtype> {
 public:
  explicit PowerFileLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "PowerFile"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(bottom[0]->count(), st::AddShiftElement<Dtype>{
        Side::data(bottom[0]), Side::data(&shift_), shift_.count(), Side::mutable_data(top[0])});
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (propagate_down[0] && top[0] != bottom[0])
      Side::copy(top[0]->count(), Side::diff(top[0]), Side::mutable_diff(bottom[0]));
  }

  std::vector<Dtype> shift_values_;  // as read from the file
  Blob<Dtype> shift_;                // the same, where the kernels read it
};

}  // namespace caffe
