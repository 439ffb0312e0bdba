#include "caffe/layers/filter_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void FilterLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(top.size() + 1 == bottom.size(), "expected one top per filtered bottom (",
                bottom.size() - 1, "; the last bottom is the selector), got ", top.size());
}

template <typename Dtype>
void FilterLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  const Blob<Dtype>& sel = *bottom.back();
  LAYER_ENFORCE(sel.num_axes() >= 1, "the selector (last bottom) needs at least one axis");
  for (int a = 1; a < sel.num_axes(); ++a) {
    LAYER_ENFORCE(sel.shape(a) == 1, "the selector (last bottom) must hold one value per item "
                  "(shape N or N x 1 x ...), got shape ", sel.shape_string());
  }
  const int n = sel.shape(0);
  for (size_t i = 0; i + 1 < bottom.size(); ++i) {
    LAYER_ENFORCE(bottom[i]->num_axes() >= 1 && bottom[i]->shape(0) == n, "bottom ", i,
                  " must have the selector's ", n, " items along its first axis, got shape ",
                  bottom[i]->shape_string());
  }
  vector<int> rows;
  if (first_reshape_) {
    for (int r = 0; r < n; ++r) rows.push_back(r);
    first_reshape_ = false;
  } else {
    const Dtype* s = sel.cpu_data();
    for (int r = 0; r < n; ++r)
      if (s[r] != Dtype(0)) rows.push_back(r);
  }
  const int m = static_cast<int>(rows.size());
  selected_.Reshape(vector<int>{m});
  top_row_.Reshape(vector<int>{n});
  Dtype* selected = selected_.mutable_cpu_data();
  Dtype* top_row = top_row_.mutable_cpu_data();
  for (int r = 0; r < n; ++r) top_row[r] = Dtype(-1);
  for (int j = 0; j < m; ++j) {
    selected[j] = static_cast<Dtype>(rows[j]);
    top_row[rows[j]] = static_cast<Dtype>(j);
  }
  for (size_t i = 0; i < top.size(); ++i) {
    vector<int> shape = bottom[i]->shape();
    shape[0] = m;
    top[i]->Reshape(shape);
  }
}

INSTANTIATE_CLASS(FilterLayer);
REGISTER_LAYER_CLASS(Filter);

}  // namespace caffe
