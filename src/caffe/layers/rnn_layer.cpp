#include "caffe/layers/rnn_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void RNNLayer<Dtype>::weights(std::vector<std::vector<int>>* shapes,
                              std::vector<FillerParameter>* fillers) const {
  const RecurrentParameter& p = this->layer_param_.recurrent_param();
  const int H = this->H_;
  *shapes = {{H, this->I_}, {H}};
  *fillers = {p.weight_filler(), p.bias_filler()};
  if (this->static_input_) {
    shapes->push_back({H, this->Is_});
    fillers->push_back(p.weight_filler());
  }
  shapes->insert(shapes->end(), {{H, H}, {H, H}, {H}});
  fillers->insert(fillers->end(), {p.weight_filler(), p.weight_filler(), p.bias_filler()});
}

template <typename Dtype>
void RNNLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  RecurrentLayer<Dtype>::Reshape(bottom, top);
  const int TN = this->T_ * this->N_, N = this->N_, H = this->H_;
  for (Blob<Dtype>* b : {&x_pre_, &hidden_, &dpre_out_, &dhidden_, &dpre_, &dpre_masked_})
    b->Reshape(vector<int>{TN, H});
  for (Blob<Dtype>* b : {&static_pre_, &h2h_, &dh_next_}) b->Reshape(vector<int>{N, H});
}

INSTANTIATE_CLASS(RNNLayer);
REGISTER_LAYER_CLASS(RNN);

}  // namespace caffe
