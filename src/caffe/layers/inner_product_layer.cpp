#include "caffe/layers/inner_product_layer.hpp"

#include "caffe/filler.hpp"
#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void InnerProductLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  const InnerProductParameter& p = this->layer_param_.inner_product_param();
  CAFFE_ENFORCE_AS(ParseError, p.num_output() > 0 && p.num_output() <= INT_MAX, this->where(),
                   "inner_product_param.num_output must be in [1, ", INT_MAX, "], got ",
                   p.num_output());
  N_ = static_cast<int>(p.num_output());
  bias_term_ = p.bias_term();
  transpose_ = p.transpose();
  const int axis = bottom[0]->CanonicalAxisIndex(p.axis());
  K_ = bottom[0]->count(axis);
  const vector<int> weight_shape = transpose_ ? vector<int>{K_, N_} : vector<int>{N_, K_};
  const size_t num_blobs = bias_term_ ? 2 : 1;
  if (!this->blobs_.empty()) {
    // Parameters came with the definition (e.g. from a .caffemodel): check them.
    CAFFE_ENFORCE_AS(ShapeError, this->blobs_.size() == num_blobs, this->where(), "expected ",
                     num_blobs, " parameter blob(s), got ", this->blobs_.size());
    CAFFE_ENFORCE_AS(ShapeError, this->blobs_[0]->shape() == weight_shape, this->where(),
                     "expected weight shape ", Blob<Dtype>(weight_shape).shape_string(), ", got ",
                     this->blobs_[0]->shape_string());
    CAFFE_ENFORCE_AS(ShapeError, !bias_term_ || this->blobs_[1]->shape() == vector<int>{N_},
                     this->where(), "expected bias shape (", N_, "), got ",
                     this->blobs_[1]->shape_string());
  } else {
    this->blobs_.resize(num_blobs);
    this->blobs_[0].reset(new Blob<Dtype>(weight_shape));
    GetFiller<Dtype>(p.weight_filler())->Fill(this->blobs_[0].get());
    if (bias_term_) {
      this->blobs_[1].reset(new Blob<Dtype>(vector<int>{N_}));
      GetFiller<Dtype>(p.bias_filler())->Fill(this->blobs_[1].get());
    }
  }
  for (size_t i = 0; i < num_blobs; ++i) this->set_param_propagate_down(i, true);
}

template <typename Dtype>
void InnerProductLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const int axis = bottom[0]->CanonicalAxisIndex(this->layer_param_.inner_product_param().axis());
  LAYER_ENFORCE(bottom[0]->count(axis) == K_, "expected ", K_,
                " inputs per row (the weights' size), got bottom shape ",
                bottom[0]->shape_string(), " with ", bottom[0]->count(axis), " from axis ", axis);
  M_ = bottom[0]->count(0, axis);
  vector<int> top_shape(bottom[0]->shape().begin(), bottom[0]->shape().begin() + axis);
  top_shape.push_back(N_);
  top[0]->Reshape(top_shape);
  if (bias_term_ && bias_multiplier_.count() != M_) {
    bias_multiplier_.Reshape(vector<int>{M_});
    caffe_set(M_, Dtype(1), bias_multiplier_.mutable_cpu_data());
  }
}

INSTANTIATE_CLASS(InnerProductLayer);
REGISTER_LAYER_CLASS(InnerProduct);

}  // namespace caffe
