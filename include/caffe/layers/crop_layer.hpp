// Crop: cuts from bottom 0 a block the shape of bottom 1 on the axes from crop_param.axis
// (default 2) on; the other axes are kept. crop_param.offset gives where the block starts:
// none (0), one value for all cropped axes, or one per cropped axis. Bottom 1 only gives
// a shape and takes no gradient.
#pragma once

#include "caffe/kernels/copy_ops.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class CropLayer : public Layer<Dtype> {
 public:
  explicit CropLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "Crop"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index == 0; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(top[0]->count(), kernels::CropCopy<Dtype>{
        Side::data(bottom[0]), Side::mutable_data(top[0]), geometry_, true});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    Dtype* dx = Side::mutable_diff(bottom[0]);
    Side::set(bottom[0]->count(), Dtype(0), dx);
    Side::for_n(top[0]->count(), kernels::CropCopy<Dtype>{Side::diff(top[0]), dx, geometry_, false});
  }

  kernels::CropGeometry geometry_{};
};

}  // namespace caffe
