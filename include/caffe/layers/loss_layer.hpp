// LossLayer: the base of layers that turn predictions and targets (two bottoms) into
// a scalar loss (one top, created anonymously when the prototxt names none). A loss
// layer's loss_weight defaults to 1 for its first top and 0 for any extra top. The
// second bottom (labels) takes no gradient unless a subclass says otherwise.
#pragma once

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class LossLayer : public Layer<Dtype> {
 public:
  explicit LossLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool AutoTopBlobs() const override { return true; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }

 protected:
  // What a summed loss is divided by under `mode` (at least 1). valid_count < 0
  // means "not counted" and VALID then falls back to outer_num * inner_num.
  static Dtype Normalizer(LossParameter_NormalizationMode mode, int outer_num, int inner_num,
                          int valid_count);
  // loss_param.normalization, or the legacy loss_param.normalize when only that is set.
  LossParameter_NormalizationMode NormalizationMode() const;
};

}  // namespace caffe
