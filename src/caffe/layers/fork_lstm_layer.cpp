#include "caffe/layers/fork_lstm_layer.hpp"

#include "caffe/filler.hpp"
#include "caffe/layer_factory.hpp"
#include "caffe/layers/recurrent_util.hpp"

namespace caffe {

template <typename Dtype>
void LstmLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>&) {
  const LstmParameter& p = this->layer_param_.lstm_param();
  CAFFE_ENFORCE_AS(ParseError, p.num_output() > 0, this->where(),
                   "lstm_param.num_output must be positive, got ", p.num_output());
  CAFFE_ENFORCE_AS(ParseError, p.batch_size() > 0, this->where(),
                   "lstm_param.batch_size must be positive, got ", p.batch_size());
  LAYER_ENFORCE(bottom[0]->num_axes() >= 1, "the input needs at least one axis");
  H_ = static_cast<int>(p.num_output());
  N_ = static_cast<int>(p.batch_size());
  I_ = bottom[0]->count(1);
  clip_ = static_cast<Dtype>(p.clipping_threshold());
  set_up_weights<Dtype>(this, {{4 * H_, I_}, {4 * H_, H_}, {4 * H_}},
                        {p.weight_filler(), p.weight_filler(), p.bias_filler()}, this->where());
}

template <typename Dtype>
void LstmLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                               const vector<Blob<Dtype>*>& top) {
  const int rows = bottom[0]->num_axes() ? bottom[0]->shape(0) : 0;
  LAYER_ENFORCE(rows > 0 && rows % N_ == 0, "the input's first axis (T*N = ", rows,
                ") must be a positive multiple of lstm_param.batch_size (N = ", N_, ")");
  LAYER_ENFORCE(bottom[0]->count(1) == I_, "expected ", I_, " inputs per row (the weights' size),"
                " got bottom shape ", bottom[0]->shape_string());
  if (bottom.size() > 1) {
    LAYER_ENFORCE(bottom[1]->count() == rows, "the continuation input must hold T*N = ", rows,
                  " values, got shape ", bottom[1]->shape_string());
  }
  T_ = rows / N_;
  top[0]->Reshape(vector<int>{rows, H_});
  core_.Reshape(T_, N_, I_, 0, H_);
  const vector<int> state{N_, H_};
  if (h0_.shape() != state) {
    for (Blob<Dtype>* b : {&h0_, &c0_, &hT_, &cT_}) {
      b->Reshape(state);
      caffe_set(b->count(), Dtype(0), b->mutable_cpu_data());
    }
  }
}

INSTANTIATE_CLASS(LstmLayer);
REGISTER_LAYER_CLASS(Lstm);

}  // namespace caffe
