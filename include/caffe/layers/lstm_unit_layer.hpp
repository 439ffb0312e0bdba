// LSTMUnit: BVLC's single LSTM time step. Bottoms: c_prev (1 x N x H), the gate inputs x
// (1 x N x 4H, gates i, f, o, g) and the continuation indicators k (1 x N). Tops: c and h,
// each 1 x N x H:  c = k f c_prev + i g,  h = o tanh(c), with i, f, o = sigmoid and
// g = tanh of the gate inputs. No gradient flows to the indicators. The step is the one
// LSTM and Lstm run (kernels/recurrent.hpp).
#pragma once

#include "caffe/kernels/recurrent.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class LSTMUnitLayer : public Layer<Dtype> {
 public:
  explicit LSTMUnitLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "LSTMUnit"; }
  int ExactNumBottomBlobs() const override { return 3; }
  int ExactNumTopBlobs() const override { return 2; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 2; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Side::for_n(int64_t(N_) * H_, kernels::LstmStepForward<Dtype>{
        Side::data(bottom[1]), nullptr, nullptr, {Side::data(bottom[2]), Dtype(0), false},
        Side::data(bottom[0]), Side::mutable_data(&gates_), Side::mutable_data(top[0]),
        Side::mutable_data(top[1]), H_}, 40);
  }
  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0] && !propagate_down[1]) return;
    Side::for_n(int64_t(N_) * H_, kernels::LstmStepBackward<Dtype>{
        Side::data(&gates_), Side::data(top[0]), Side::data(bottom[0]),
        {Side::data(bottom[2]), Dtype(0), false}, Side::diff(top[1]), nullptr, Side::diff(top[0]),
        propagate_down[0] ? Side::mutable_diff(bottom[0]) : nullptr,
        propagate_down[1] ? Side::mutable_diff(bottom[1]) : Side::mutable_diff(&gates_), nullptr,
        Dtype(0), H_}, 40);
  }

 private:
  int N_ = 0, H_ = 0;
  Blob<Dtype> gates_;  // the gate activations (data), scratch (diff)
};

}  // namespace caffe
