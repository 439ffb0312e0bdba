#include "caffe/layers/softmax_based_loss_layer.hpp"

#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void SoftmaxBasedLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                              const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::LayerSetUp(bottom, top);
  LayerParameter softmax_param(this->layer_param_);
  softmax_param.set_type("Softmax");
  softmax_param.clear_loss_weight();
  softmax_param.mutable_softmax_param()->set_axis(softmax_axis());
  softmax_layer_.reset(new SoftmaxLayer<Dtype>(softmax_param));
  softmax_bottom_ = {bottom[0]};
  softmax_top_ = {&prob_};
  softmax_layer_->SetUp(softmax_bottom_, softmax_top_);
  const LossParameter& lp = this->layer_param_.loss_param();
  filter_ = {lp.has_ignore_label(), lp.ignore_label()};
  mode_ = this->NormalizationMode();
}

template <typename Dtype>
void SoftmaxBasedLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                           const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  softmax_layer_->Reshape(softmax_bottom_, softmax_top_);
  const int axis = checked_axis(this->where(), *bottom[0], softmax_axis(), "softmax axis");
  outer_ = bottom[0]->count(0, axis);
  classes_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  LAYER_ENFORCE(positions() == bottom[1]->count(),
                "the label count must equal the number of predictions (prediction shape ",
                bottom[0]->shape_string(), " with softmax axis ", axis, " gives ", positions(),
                "), but the label shape is ", bottom[1]->shape_string());
}

template <typename Dtype>
void SoftmaxBasedLossLayer<Dtype>::ForwardSoftmax(const vector<Blob<Dtype>*>& bottom) {
  softmax_layer_->Forward(softmax_bottom_, softmax_top_);
  check_class_labels(this->where(), *bottom[1], static_cast<int>(classes_), filter_.has_ignore,
                     filter_.ignore_label);
}

template <typename Dtype>
void SoftmaxBasedLossLayer<Dtype>::SetLoss(double loss_sum, double valid, Blob<Dtype>* top) {
  const int valid_count = valid < 0 ? -1 : static_cast<int>(valid + 0.5);
  normalizer_ = this->Normalizer(mode_, static_cast<int>(outer_), static_cast<int>(inner_),
                                 valid_count);
  top->mutable_cpu_data()[0] = static_cast<Dtype>(loss_sum / normalizer_);
}

INSTANTIATE_CLASS(SoftmaxBasedLossLayer);

}  // namespace caffe
