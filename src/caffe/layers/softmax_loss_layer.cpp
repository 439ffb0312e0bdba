#include "caffe/layers/softmax_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SoftmaxWithLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                             const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::LayerSetUp(bottom, top);
  LayerParameter softmax_param(this->layer_param_);
  softmax_param.set_type("Softmax");
  softmax_param.clear_loss_weight();
  softmax_layer_.reset(new SoftmaxLayer<Dtype>(softmax_param));
  softmax_bottom_ = {bottom[0]};
  softmax_top_ = {&prob_};
  softmax_layer_->SetUp(softmax_bottom_, softmax_top_);
  const LossParameter& lp = this->layer_param_.loss_param();
  filter_ = {lp.has_ignore_label(), lp.ignore_label()};
  mode_ = this->NormalizationMode();
}

template <typename Dtype>
void SoftmaxWithLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  softmax_layer_->Reshape(softmax_bottom_, softmax_top_);
  const int axis = checked_axis(this->where(), *bottom[0],
                                this->layer_param_.softmax_param().axis(), "softmax_param.axis");
  outer_num_ = bottom[0]->count(0, axis);
  channels_ = bottom[0]->shape(axis);
  inner_num_ = bottom[0]->count(axis + 1);
  LAYER_ENFORCE(int64_t(outer_num_) * inner_num_ == bottom[1]->count(),
                "the label count must equal the number of predictions (",
                "prediction shape ", bottom[0]->shape_string(), " with softmax axis ", axis, " gives ",
                int64_t(outer_num_) * inner_num_, "), but the label shape is ",
                bottom[1]->shape_string());
  loss_.Reshape({outer_num_ * inner_num_});
  valid_.Reshape({outer_num_ * inner_num_});
  if (top.size() >= 2) {
    top[1]->ReshapeLike(*bottom[0]);
    top[1]->ShareData(prob_);
  }
}

INSTANTIATE_CLASS(SoftmaxWithLossLayer);
REGISTER_LAYER_CLASS(SoftmaxWithLoss);

}  // namespace caffe
