#include "caffe/layers/infogain_loss_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/io.hpp"

namespace caffe {

template <typename Dtype>
void InfogainLossLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                          const vector<Blob<Dtype>*>& top) {
  SoftmaxBasedLossLayer<Dtype>::LayerSetUp(bottom, top);
  const InfogainLossParameter& p = this->layer_param_.infogain_loss_param();
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
  SoftmaxBasedLossLayer<Dtype>::Reshape(bottom, top);
  const int64_t K = this->classes_;
  LAYER_ENFORCE(H(bottom)->count() == K * K, "H must be ", K, " x ", K,
                " (the number of classes squared), got shape ", H(bottom)->shape_string());
  H_row_sum_.Reshape(vector<int>{static_cast<int>(K)});
}

INSTANTIATE_CLASS(InfogainLossLayer);
REGISTER_LAYER_CLASS(InfogainLoss);

}  // namespace caffe
