// PReLU: y = x for x > 0, a[c] x otherwise, with a learned slope per channel (axis 1), or
// one shared slope (prelu_param.channel_shared; the blob then has no axes). The slopes
// start from prelu_param.filler (default: constant 0.25). May run in place (it then
// keeps a copy of x).
#pragma once

#include "caffe/kernels/channel.hpp"
#include "caffe/layers/neuron_layer.hpp"

namespace caffe {

template <typename Dtype>
class PReLULayer : public NeuronLayer<Dtype> {
 public:
  explicit PReLULayer(const LayerParameter& param) : NeuronLayer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "PReLU"; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    if (bottom[0] == top[0]) {
      x_copy_.ReshapeLike(*bottom[0]);
      Side::copy(bottom[0]->count(), Side::data(bottom[0]), Side::mutable_data(&x_copy_));
    }
    Side::for_n(top[0]->count(), kernels::PReLUForward<Dtype>{
        Side::data(bottom[0]), Side::data(this->blobs_[0].get()), Side::mutable_data(top[0]),
        dim_, inner_});
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    const Dtype* x = Side::data(bottom[0] == top[0] ? &x_copy_ : bottom[0]);
    const Dtype* dy = Side::diff(top[0]);
    Blob<Dtype>* slope = this->blobs_[0].get();
    if (this->param_propagate_down(0)) {  // before dx: in place, dx overwrites dy
      Side::segment_sum(kernels::Segments::across(outer_, dim_, inner_),
                        kernels::PReLUSlopeTerm<Dtype>{x, dy}, Side::mutable_diff(slope), Dtype(1),
                        true);
    }
    if (propagate_down[0]) {
      Side::for_n(top[0]->count(), kernels::PReLUBackward<Dtype>{
          x, Side::data(slope), dy, Side::mutable_diff(bottom[0]), dim_, inner_});
    }
  }

  int64_t outer_ = 1, dim_ = 1, inner_ = 1;
  Blob<Dtype> x_copy_;
};

}  // namespace caffe
