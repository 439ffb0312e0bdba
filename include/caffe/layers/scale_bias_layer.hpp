// ScaleBiasLayer: the shared base of Scale and Bias. The first bottom x is multiplied by a
// scale s and/or shifted by a bias b, both broadcast over x: they span the axes
// [axis, axis + k) of x (k = the operand's number of axes). The first operand comes from a
// second bottom when there is one, otherwise it is a learned blob shaped by axis and
// num_axes (num_axes -1: all axes from axis on); Scale's bias is always learned.
//   y = x * s[c] + b[c],   ds[c] = sum dy * x,   db[c] = sum dy,   dx = dy * s[c].
#pragma once

#include "caffe/filler.hpp"
#include "caffe/kernels/channel.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

// A filler parameter, or a constant one when it is not given.
inline FillerParameter filler_or_constant(bool given, const FillerParameter& f, float value) {
  if (given) return f;
  FillerParameter c;
  c.set_type("constant");
  c.set_value(value);
  return c;
}

template <typename Dtype>
class ScaleBiasLayer : public Layer<Dtype> {
 public:
  explicit ScaleBiasLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  struct Config {
    bool scale, bias;  // which operands the layer applies (at least one)
    int axis, num_axes;
    FillerParameter first_filler, bias_filler;  // the learned first operand's, Scale's bias's
  };
  virtual Config config() const = 0;

  // The operands: a second bottom or a learned blob; null when the layer has none.
  Blob<Dtype>* scale_operand(const vector<Blob<Dtype>*>& bottom) const;
  Blob<Dtype>* bias_operand(const vector<Blob<Dtype>*>& bottom) const;
  // Index in blobs_ of the learned bias (-1: none).
  int bias_param_index(const vector<Blob<Dtype>*>& bottom) const;

  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Blob<Dtype>* s = scale_operand(bottom);
    Blob<Dtype>* b = bias_operand(bottom);
    if (s && bottom[0] == top[0]) {  // keep x for the scale's gradient
      x_copy_.ReshapeLike(*bottom[0]);
      Side::copy(bottom[0]->count(), Side::data(bottom[0]), Side::mutable_data(&x_copy_));
    }
    Side::for_n(top[0]->count(), kernels::ChannelAffine<Dtype>{
        Side::data(bottom[0]), s ? Side::data(s) : nullptr, b ? Side::data(b) : nullptr,
        Side::mutable_data(top[0]), dim_, inner_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* dy = Side::diff(top[0]);
    const bool has_bottom_operand = bottom.size() > 1;
    // Operand gradients first: in place, dx overwrites dy.
    if (Blob<Dtype>* s = scale_operand(bottom)) {
      const bool learned = !has_bottom_operand;
      if (learned ? this->param_propagate_down(0) : propagate_down[1]) {
        const Blob<Dtype>* x = bottom[0] == top[0] ? &x_copy_ : bottom[0];
        Side::segment_sum(per_channel(), kernels::Product<Dtype>{dy, Side::data(x)},
                          Side::mutable_diff(s), Dtype(1), learned);
      }
    }
    if (Blob<Dtype>* b = bias_operand(bottom)) {
      const int index = bias_param_index(bottom);
      if (index >= 0 ? this->param_propagate_down(index) : propagate_down[1]) {
        Side::segment_sum(per_channel(), kernels::Value<Dtype>{dy}, Side::mutable_diff(b),
                          Dtype(1), index >= 0);
      }
    }
    if (!propagate_down[0]) return;
    Blob<Dtype>* s = scale_operand(bottom);
    if (!s) {
      Side::copy(top[0]->count(), dy, Side::mutable_diff(bottom[0]));
      return;
    }
    Side::for_n(top[0]->count(), kernels::ChannelAffine<Dtype>{
        dy, Side::data(s), nullptr, Side::mutable_diff(bottom[0]), dim_, inner_});
  }

  // The values of x that meet each operand entry (a learned operand's gradient adds to it).
  kernels::Segments per_channel() const { return kernels::Segments::across(outer_, dim_, inner_); }

  int axis_ = 1;
  int64_t outer_ = 1, dim_ = 1, inner_ = 1;
  Blob<Dtype> x_copy_;  // x, when running in place with a scale
};

}  // namespace caffe
