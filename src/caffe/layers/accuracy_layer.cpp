#include "caffe/layers/accuracy_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void AccuracyLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  const AccuracyParameter& p = this->layer_param_.accuracy_param();
  top_k_ = static_cast<int>(p.top_k());
  LAYER_ENFORCE(top_k_ >= 1, "accuracy_param.top_k must be at least 1, got ", p.top_k());
  filter_ = {p.has_ignore_label(), p.ignore_label()};
}

template <typename Dtype>
void AccuracyLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                   const vector<Blob<Dtype>*>& top) {
  const int axis = checked_axis(this->where(), *bottom[0],
                                this->layer_param_.accuracy_param().axis(), "accuracy_param.axis");
  outer_num_ = bottom[0]->count(0, axis);
  channels_ = bottom[0]->shape(axis);
  inner_num_ = bottom[0]->count(axis + 1);
  LAYER_ENFORCE(top_k_ <= channels_, "top_k (", top_k_, ") must not exceed the number of classes (",
                channels_, ") of the predictions ", bottom[0]->shape_string());
  LAYER_ENFORCE(int64_t(outer_num_) * inner_num_ == bottom[1]->count(),
                "the label count must equal the number of predictions (prediction shape ",
                bottom[0]->shape_string(), " with class axis ", axis, " gives ",
                int64_t(outer_num_) * inner_num_, "), but the label shape is ",
                bottom[1]->shape_string());
  outcome_.Reshape({outer_num_ * inner_num_});
  top[0]->Reshape(vector<int>());
  if (top.size() > 1) top[1]->Reshape({channels_});
}

template <typename Dtype>
void AccuracyLayer<Dtype>::CheckLabels(const Blob<Dtype>& labels) const {
  check_class_labels(this->where(), labels, channels_, filter_.has_ignore, filter_.ignore_label);
}

template <typename Dtype>
void AccuracyLayer<Dtype>::Tally(const Blob<Dtype>& labels, const vector<Blob<Dtype>*>& top) {
  const Dtype* outcome = outcome_.cpu_data();
  const Dtype* label = labels.cpu_data();
  vector<int> seen(channels_, 0), hits(channels_, 0);
  int counted = 0, correct = 0;
  for (int p = 0; p < outcome_.count(); ++p) {
    if (outcome[p] < 0) continue;
    const int l = static_cast<int>(label[p]);
    const bool hit = outcome[p] > 0;
    ++counted;
    correct += hit;
    ++seen[l];
    hits[l] += hit;
  }
  top[0]->mutable_cpu_data()[0] = counted == 0 ? Dtype(0) : Dtype(correct) / counted;
  if (top.size() > 1) {
    Dtype* per_class = top[1]->mutable_cpu_data();
    for (int c = 0; c < channels_; ++c)
      per_class[c] = seen[c] == 0 ? Dtype(0) : Dtype(hits[c]) / seen[c];
  }
}

INSTANTIATE_CLASS(AccuracyLayer);
REGISTER_LAYER_CLASS(Accuracy);

}  // namespace caffe
