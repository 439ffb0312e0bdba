#include "caffe/layers/lstm_unit_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void LSTMUnitLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                   const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& c = *bottom[0];
  LAYER_ENFORCE(c.num_axes() == 3 && c.shape(0) == 1, "c_prev (bottom 0) must have shape "
                "1 x N x H, got ", c.shape_string());
  N_ = c.shape(1);
  H_ = c.shape(2);
  LAYER_ENFORCE(bottom[1]->shape() == (vector<int>{1, N_, 4 * H_}), "the gate inputs (bottom 1) "
                "must have shape (1 ", N_, " ", 4 * H_, "), got ", bottom[1]->shape_string());
  LAYER_ENFORCE(bottom[2]->shape() == (vector<int>{1, N_}), "the continuation indicators "
                "(bottom 2) must have shape (1 ", N_, "), got ", bottom[2]->shape_string());
  top[0]->ReshapeLike(c);
  top[1]->ReshapeLike(c);
  gates_.ReshapeLike(*bottom[1]);
}

INSTANTIATE_CLASS(LSTMUnitLayer);
REGISTER_LAYER_CLASS(LSTMUnit);

}  // namespace caffe
