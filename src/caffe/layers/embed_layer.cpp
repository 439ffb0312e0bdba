#include "caffe/layers/embed_layer.hpp"

#include "caffe/filler.hpp"
#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void EmbedLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                   const vector<Blob<Dtype>*>& top) {
  const EmbedParameter& p = this->layer_param_.embed_param();
  LAYER_ENFORCE(p.num_output() > 0 && p.num_output() <= INT_MAX, "embed_param.num_output must be "
                "in [1, ", INT_MAX, "], got ", p.num_output());
  LAYER_ENFORCE(p.input_dim() > 0 && p.input_dim() <= INT_MAX, "embed_param.input_dim must be in "
                "[1, ", INT_MAX, "], got ", p.input_dim());
  num_output_ = p.num_output();
  input_dim_ = p.input_dim();
  if (this->blobs_.empty()) {
    this->blobs_.emplace_back(new Blob<Dtype>(
        vector<int>{static_cast<int>(input_dim_), static_cast<int>(num_output_)}));
    GetFiller<Dtype>(p.weight_filler())->Fill(this->blobs_[0].get());
    if (p.bias_term()) {
      this->blobs_.emplace_back(new Blob<Dtype>(vector<int>{static_cast<int>(num_output_)}));
      GetFiller<Dtype>(p.bias_filler())->Fill(this->blobs_[1].get());
    }
  }
  this->param_propagate_down_.assign(this->blobs_.size(), true);
}

template <typename Dtype>
void EmbedLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place");
  vector<int> shape = bottom[0]->shape();
  shape.push_back(static_cast<int>(num_output_));
  top[0]->Reshape(shape);
}

template <typename Dtype>
void EmbedLayer<Dtype>::CheckIndices(const Blob<Dtype>& indices) const {
  const Dtype* v = indices.cpu_data();
  for (int i = 0; i < indices.count(); ++i) {
    LAYER_ENFORCE(v[i] >= 0 && v[i] < input_dim_ && v[i] == static_cast<Dtype>(static_cast<int64_t>(v[i])),
                  "index ", v[i], " at position ", i, " is not an integer in [0, ", input_dim_, ")");
  }
}

INSTANTIATE_CLASS(EmbedLayer);
REGISTER_LAYER_CLASS(Embed);

}  // namespace caffe
