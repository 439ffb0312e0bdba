// RecurrentLayer: what BVLC's recurrent layers (RNN, LSTM; recurrent_param) share.
//
// Bottoms: x, T x N x ... (T time steps of N independent streams; I = the product of
// the axes after the second); cont, T x N, the sequence continuation indicators (0 starts
// a new sequence at that step: the previous state is multiplied by it); optionally a
// static input x_static, N x ..., seen at every time step; and with
// recurrent_param.expose_hidden the initial states (each 1 x N x H), after x_static.
// Tops: the output, T x N x num_output, and with expose_hidden the final states (each
// 1 x N x H), in the order of the initial states.
//
// BVLC unrolls the recurrence into an internal net; these layers run it directly, a loop
// over the time steps inside the layer, with the same parameter blobs (order and shapes),
// outputs and gradients. As in BVLC, without expose_hidden the final states of one forward
// pass are the initial states of the next (zeros before the first); the indicators decide
// whether they are used.
#pragma once

#include <vector>

#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class RecurrentLayer : public Layer<Dtype> {
 public:
  explicit RecurrentLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  int MinBottomBlobs() const override { return 2 + (expose() ? num_states() : 0); }
  int MaxBottomBlobs() const override { return MinBottomBlobs() + 1; }
  int ExactNumTopBlobs() const override { return 1 + (expose() ? num_states() : 0); }
  // No gradient for the continuation indicators.
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }

 protected:
  // The recurrent states (RNN: h; LSTM: h, c), each N x H.
  virtual int num_states() const = 0;
  // Shapes and fillers of the parameter blobs, in BVLC's order.
  virtual void weights(std::vector<std::vector<int>>* shapes,
                       std::vector<FillerParameter>* fillers) const = 0;
  bool expose() const { return this->layer_param_.recurrent_param().expose_hidden(); }

  // Initial state s of this pass on a side: the bottom with expose_hidden, else the state
  // kept from the previous pass (copied into place by begin_pass).
  template <class Side>
  const Dtype* initial_state(const vector<Blob<Dtype>*>& bottom, int s) {
    return expose() ? Side::data(bottom[2 + static_input_ + s]) : Side::data(&initial_[s]);
  }
  template <class Side>
  void begin_pass() {
    if (expose()) return;
    for (int s = 0; s < num_states(); ++s)
      Side::copy(initial_[s].count(), Side::data(&final_[s]), Side::mutable_data(&initial_[s]));
  }
  // Where final state s goes: the top with expose_hidden, else kept for the next pass.
  template <class Side>
  Dtype* final_state(const vector<Blob<Dtype>*>& top, int s) {
    return expose() ? Side::mutable_data(top[1 + s]) : Side::mutable_data(&final_[s]);
  }
  template <class Side>
  const Dtype* final_state_diff(const vector<Blob<Dtype>*>& top, int s) {
    return expose() ? Side::diff(top[1 + s]) : nullptr;
  }
  template <class Side>
  Dtype* initial_state_diff(const vector<Blob<Dtype>*>& bottom,
                            const vector<bool>& propagate_down, int s) {
    const int b = 2 + static_input_ + s;
    return expose() && propagate_down[b] ? Side::mutable_diff(bottom[b]) : nullptr;
  }

  int T_ = 0, N_ = 0, I_ = 0, Is_ = 0, H_ = 0;
  bool static_input_ = false;
  Blob<Dtype> initial_[2], final_[2];  // at most 2 states; used without expose_hidden
  Blob<Dtype> ones_;                          // T*N ones
};

}  // namespace caffe
