#include "caffe/layers/st_loss_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void STLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  if (this->layer_param_.loss_weight_size() == 0) this->layer_param_.add_loss_weight(Dtype(1));
  const STLossParameter& p = this->layer_param_.st_loss_param();
  CAFFE_ENFORCE_AS(ParseError, p.has_output_h() && p.has_output_w(), this->where(),
                   "st_loss_param needs output_H and output_W (the sampling grid size)");
  CAFFE_ENFORCE_AS(ParseError, p.output_h() > 0 && p.output_w() > 0, this->where(),
                   "st_loss_param output_H and output_W must be positive, got ", p.output_h(),
                   " x ", p.output_w());
  output_H_ = p.output_h();
  output_W_ = p.output_w();
}

template <typename Dtype>
void STLossLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& theta = *bottom[0];
  LAYER_ENFORCE(theta.num_axes() >= 1 && theta.shape(0) > 0 && theta.count(1) == 6,
                "expected theta of shape N x 6, got ", theta.shape_string());
  top[0]->Reshape(vector<int>{});
  per_sample_.Reshape({theta.shape(0)});
  dtheta_.Reshape({theta.shape(0), 6});
}

INSTANTIATE_CLASS(STLossLayer);
REGISTER_LAYER_CLASS(STLoss);

}  // namespace caffe
