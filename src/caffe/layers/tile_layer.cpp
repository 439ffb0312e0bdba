#include "caffe/layers/tile_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/layer_util.hpp"

namespace caffe {

template <typename Dtype>
void TileLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                               const vector<Blob<Dtype>*>& top) {
  const TileParameter& p = this->layer_param_.tile_param();
  const int axis = checked_axis(this->where(), *bottom[0], p.axis(), "tile_param.axis");
  LAYER_ENFORCE(p.has_tiles() && p.tiles() > 0, "tile_param.tiles must be given and positive, got ",
                p.tiles());
  LAYER_ENFORCE(top[0] != bottom[0], "cannot run in place");
  tiles_ = p.tiles();
  inner_ = bottom[0]->count(axis);
  vector<int> shape = bottom[0]->shape();
  shape[axis] *= p.tiles();
  top[0]->Reshape(shape);
}

INSTANTIATE_CLASS(TileLayer);
REGISTER_LAYER_CLASS(Tile);

}  // namespace caffe
