#include "caffe/layers/input_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void InputLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>& top) {
  const InputParameter& p = this->layer_param_.input_param();
  const int num_shape = p.shape_size();
  const int num_top = static_cast<int>(top.size());
  CAFFE_ENFORCE_AS(ParseError, num_shape == 0 || num_shape == 1 || num_shape == num_top,
                   this->where(), "input_param has ", num_shape, " shape(s) for ", num_top,
                   " top(s); give one shape for all tops or one per top");
  for (int i = 0; i < num_top && num_shape > 0; ++i) {
    top[i]->Reshape(p.shape(num_shape == 1 ? 0 : i));
  }
}

INSTANTIATE_CLASS(InputLayer);
REGISTER_LAYER_CLASS(Input);

}  // namespace caffe
