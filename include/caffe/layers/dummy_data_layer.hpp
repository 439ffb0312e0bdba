// DummyData: tops of given shapes filled by dummy_data_param.data_filler (none: all
// zeros; one: shared by every top; or one per top). Shapes come from `shape` (one for
// all tops or one per top) or the legacy num/channels/height/width lists. Tops with a
// constant filler are filled once; the others are refilled on every forward.
#pragma once

#include "caffe/filler.hpp"
#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class DummyDataLayer : public Layer<Dtype> {
 public:
  explicit DummyDataLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Shapes are set once in LayerSetUp (or by the user through reshape).
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) override {}
  const char* type() const override { return "DummyData"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }

 protected:
  // Fills the tops that are refilled every time (all of them when `everything`).
  void Fill(const vector<Blob<Dtype>*>& top, bool everything);
  void Forward_cpu(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>& top) override {
    Fill(top, false);
  }
  void Backward_cpu(const vector<Blob<Dtype>*>&, const vector<bool>&,
                    const vector<Blob<Dtype>*>&) override {}

  vector<shared_ptr<Filler<Dtype>>> fillers_;  // one per top
  vector<bool> refill_;
};

}  // namespace caffe
