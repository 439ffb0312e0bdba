#include "caffe/layers/prelu_layer.hpp"

#include "caffe/filler.hpp"
#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void PReLULayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                   const vector<Blob<Dtype>*>& top) {
  const PReLUParameter& p = this->layer_param_.prelu_param();
  LAYER_ENFORCE(bottom[0]->num_axes() >= 2, "the bottom needs at least 2 axes (N, C, ...), got ",
                bottom[0]->shape_string());
  if (this->blobs_.empty()) {
    const vector<int> shape = p.channel_shared() ? vector<int>{} : vector<int>{bottom[0]->shape(1)};
    this->blobs_.emplace_back(new Blob<Dtype>(shape));
    FillerParameter filler;
    if (p.has_filler()) {
      filler = p.filler();
    } else {
      filler.set_type("constant");
      filler.set_value(0.25f);
    }
    GetFiller<Dtype>(filler)->Fill(this->blobs_[0].get());
  }
  this->param_propagate_down_.assign(1, true);
}

template <typename Dtype>
void PReLULayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                const vector<Blob<Dtype>*>& top) {
  NeuronLayer<Dtype>::Reshape(bottom, top);
  const Blob<Dtype>& x = *bottom[0];
  LAYER_ENFORCE(x.num_axes() >= 2, "the bottom needs at least 2 axes (N, C, ...), got ",
                x.shape_string());
  if (this->layer_param_.prelu_param().channel_shared()) {
    outer_ = 1, dim_ = 1, inner_ = x.count();
  } else {
    LAYER_ENFORCE(x.shape(1) == this->blobs_[0]->count(), "expected ", this->blobs_[0]->count(),
                  " channels (the slopes' count), got a bottom of shape ", x.shape_string());
    outer_ = x.shape(0), dim_ = x.shape(1), inner_ = x.count(2);
  }
}

INSTANTIATE_CLASS(PReLULayer);
REGISTER_LAYER_CLASS(PReLU);

}  // namespace caffe
