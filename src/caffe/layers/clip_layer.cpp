// Clip's math lives in caffe/kernels/neuron.hpp and its passes in ElementwiseNeuronLayer.
#include "caffe/layers/clip_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ClipLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const ClipParameter& p = this->layer_param_.clip_param();
  CAFFE_ENFORCE_AS(ParseError, p.has_min() && p.has_max(), this->where(),
                   "clip_param needs both min and max");
  CAFFE_ENFORCE_AS(ParseError, p.min() <= p.max(), this->where(), "clip_param.min (", p.min(),
                   ") must not exceed clip_param.max (", p.max(), ")");
}

INSTANTIATE_CLASS(ClipLayer);
REGISTER_LAYER_CLASS(Clip);

}  // namespace caffe
