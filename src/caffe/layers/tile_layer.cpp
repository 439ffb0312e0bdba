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
  const int64_t tiled = int64_t(shape[axis]) * p.tiles();
  LAYER_ENFORCE(tiled <= INT_MAX, "tiling axis ", axis, " of the bottom ", bottom[0]->shape_string(),
                " ", p.tiles(), " times gives the size ", tiled, ", more than ", INT_MAX);
  shape[axis] = static_cast<int>(tiled);
  top[0]->Reshape(shape);
}

INSTANTIATE_CLASS(TileLayer);
REGISTER_LAYER_CLASS(Tile);

}  // namespace caffe
