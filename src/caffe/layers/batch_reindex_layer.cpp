#include "caffe/layers/batch_reindex_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

// Reads the indices on the host (they are few) and builds the maps both passes use.
template <typename Dtype>
void BatchReindexLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() >= 1, "the data bottom needs at least one axis");
  LAYER_ENFORCE(bottom[1]->num_axes() == 1, "the indices (bottom 1) must be a vector, got shape ",
                bottom[1]->shape_string());
  const int n = bottom[0]->shape(0), m = bottom[1]->count();
  vector<int> shape = bottom[0]->shape();
  shape[0] = m;
  top[0]->Reshape(shape);
  perm_.Reshape(vector<int>{m});
  start_.Reshape(vector<int>{n + 1});
  copies_.Reshape(vector<int>{m});
  const Dtype* idx = bottom[1]->cpu_data();
  Dtype* perm = perm_.mutable_cpu_data();
  vector<int> count(n + 1, 0);
  for (int j = 0; j < m; ++j) {
    const Dtype v = idx[j];
    const int r = static_cast<int>(v);
    LAYER_ENFORCE(v >= 0 && v < n && Dtype(r) == v, "index ", v, " at position ", j,
                  " is not a row of the data bottom (", n, " rows)");
    perm[j] = Dtype(r);
    ++count[r + 1];
  }
  Dtype* start = start_.mutable_cpu_data();
  for (int r = 0; r < n; ++r) count[r + 1] += count[r];
  for (int r = 0; r <= n; ++r) start[r] = Dtype(count[r]);
  Dtype* copies = copies_.mutable_cpu_data();
  for (int j = 0; j < m; ++j) copies[count[static_cast<int>(perm[j])]++] = Dtype(j);
}

INSTANTIATE_CLASS(BatchReindexLayer);
REGISTER_LAYER_CLASS(BatchReindex);

}  // namespace caffe
