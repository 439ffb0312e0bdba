#include "caffe/layers/infogain_loss_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"
#include "caffe/util/io.hpp"

namespace caffe {

template <typename Dtype>
void InfogainLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::LayerSetUp(bottom, top);
  const InfogainLossParameter& p = this->layer_param_.infogain_loss_param();
  LayerParameter softmax_param(this->layer_param_);
  softmax_param.set_type("Softmax");
  softmax_param.clear_loss_weight();
  softmax_param.mutable_softmax_param()->set_axis(p.axis());
  softmax_layer_.reset(new SoftmaxLayer<Dtype>(softmax_param));
  softmax_bottom_ = {bottom[0]};
  softmax_top_ = {&prob_};
  softmax_layer_->SetUp(softmax_bottom_, softmax_top_);
  const LossParameter& lp = this->layer_param_.loss_param();
  filter_ = {lp.has_ignore_label(), lp.ignore_label()};
  if (bottom.size() < 3) {
    LAYER_ENFORCE(p.has_source(), "needs the infogain matrix H: a third bottom or "
                  "infogain_loss_param.source");
    BlobProto proto;
    ReadProtoFromBinaryFile(p.source(), &proto);
    infogain_.FromProto(proto);
  }
}

template <typename Dtype>
void InfogainLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  LossLayer<Dtype>::Reshape(bottom, top);
  softmax_layer_->Reshape(softmax_bottom_, softmax_top_);
  const int axis = checked_axis(this->where(), *bottom[0],
                                this->layer_param_.infogain_loss_param().axis(), "axis");
  outer_ = bottom[0]->count(0, axis);
  K_ = bottom[0]->shape(axis);
  inner_ = bottom[0]->count(axis + 1);
  LAYER_ENFORCE(outer_ * inner_ == bottom[1]->count(), "expected one label per prediction (",
                outer_ * inner_, "), got label shape ", bottom[1]->shape_string());
  LAYER_ENFORCE(H(bottom)->count() == K_ * K_, "H must be ", K_, " x ", K_,
                " (the number of classes squared), got shape ", H(bottom)->shape_string());
  loss_.Reshape(vector<int>{static_cast<int>(outer_ * inner_)});
  valid_.ReshapeLike(loss_);
  H_row_sum_.Reshape(vector<int>{static_cast<int>(K_)});
  total_.Reshape(vector<int>{1});
}

template <typename Dtype>
void InfogainLossLayer<Dtype>::CheckLabels(const vector<Blob<Dtype>*>& bottom) const {
  check_class_labels(this->where(), *bottom[1], static_cast<int>(K_), filter_.has_ignore,
                     filter_.ignore_label);
}

INSTANTIATE_CLASS(InfogainLossLayer);
REGISTER_LAYER_CLASS(InfogainLoss);

}  // namespace caffe
