#include "caffe/layers/recurrent_layer.hpp"

#include "caffe/layers/recurrent_util.hpp"

namespace caffe {

template <typename Dtype>
void RecurrentLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>&) {
  const RecurrentParameter& p = this->layer_param_.recurrent_param();
  CAFFE_ENFORCE_AS(ParseError, p.num_output() > 0, this->where(),
                   "recurrent_param.num_output must be positive, got ", p.num_output());
  H_ = static_cast<int>(p.num_output());
  LAYER_ENFORCE(bottom[0]->num_axes() >= 2, "bottom 0 must have at least 2 axes (time steps, "
                "streams, ...), got shape ", bottom[0]->shape_string());
  I_ = bottom[0]->count(2);
  static_input_ = static_cast<int>(bottom.size()) == MaxBottomBlobs();
  if (static_input_) {
    LAYER_ENFORCE(bottom[2]->num_axes() >= 1, "the static input (bottom 2) needs an axis");
    Is_ = bottom[2]->count(1);
  }
  std::vector<std::vector<int>> shapes;
  std::vector<FillerParameter> fillers;
  weights(&shapes, &fillers);
  set_up_weights<Dtype>(this, shapes, fillers, this->where());
}

template <typename Dtype>
void RecurrentLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& x = *bottom[0];
  LAYER_ENFORCE(x.num_axes() >= 2 && x.count(2) == I_, "expected bottom 0 of shape T x N x ... "
                "with ", I_, " values per step and stream (the weights' size), got ",
                x.shape_string());
  T_ = x.shape(0);
  N_ = x.shape(1);
  LAYER_ENFORCE(T_ > 0 && N_ > 0, "bottom 0 has no time steps or streams: ", x.shape_string());
  LAYER_ENFORCE(bottom[1]->shape() == (vector<int>{T_, N_}), "the continuation indicators "
                "(bottom 1) must have shape (", T_, " ", N_, "), got ", bottom[1]->shape_string());
  if (static_input_) {
    LAYER_ENFORCE(bottom[2]->shape(0) == N_ && bottom[2]->count(1) == Is_, "the static input "
                  "(bottom 2) must have shape N x ... with N = ", N_, " and ", Is_,
                  " values per stream, got ", bottom[2]->shape_string());
  }
  const vector<int> state{1, N_, H_};
  if (expose()) {
    for (int s = 0; s < num_states(); ++s) {
      const Blob<Dtype>& b = *bottom[2 + static_input_ + s];
      LAYER_ENFORCE(b.shape() == state, "initial state ", s, " (bottom ", 2 + static_input_ + s,
                    ") must have shape (1 ", N_, " ", H_, "), got ", b.shape_string());
      top[1 + s]->Reshape(state);
    }
  } else if (initial_[0].shape() != state) {
    for (int s = 0; s < num_states(); ++s) {
      for (Blob<Dtype>* b : {&initial_[s], &final_[s]}) {
        b->Reshape(state);
        caffe_set(b->count(), Dtype(0), b->mutable_cpu_data());
      }
    }
  }
  top[0]->Reshape(vector<int>{T_, N_, H_});
  if (ones_.count() != T_ * N_) {
    ones_.Reshape(vector<int>{T_ * N_});
    caffe_set(ones_.count(), Dtype(1), ones_.mutable_cpu_data());
  }
}

INSTANTIATE_CLASS(RecurrentLayer);

}  // namespace caffe
