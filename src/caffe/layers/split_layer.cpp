#include "caffe/layers/split_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void SplitLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  for (size_t i = 0; i < top.size(); ++i) {
    LAYER_ENFORCE(top[i] != bottom[0], "top ", i, " may not be the bottom itself (no in-place split)");
    top[i]->ReshapeLike(*bottom[0]);
    top[i]->ShareData(*bottom[0]);
  }
}

template <typename Dtype>
void SplitLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  for (auto* t : top) t->ShareData(*bottom[0]);
}

template <typename Dtype>
void SplitLayer<Dtype>::Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                                     const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  Dtype* diff = bottom[0]->mutable_cpu_diff();
  caffe_copy(n, top[0]->cpu_diff(), diff);
  for (size_t i = 1; i < top.size(); ++i) caffe_axpy(n, Dtype(1), top[i]->cpu_diff(), diff);
}

#ifdef USE_CUDA
template <typename Dtype>
void SplitLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  Forward_cpu(bottom, top);
}

template <typename Dtype>
void SplitLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                                     const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  Dtype* diff = bottom[0]->mutable_gpu_diff();
  caffe_gpu_copy(n, top[0]->gpu_diff(), diff);
  for (size_t i = 1; i < top.size(); ++i) caffe_gpu_axpy(n, Dtype(1), top[i]->gpu_diff(), diff);
}
#endif

INSTANTIATE_CLASS(SplitLayer);
REGISTER_LAYER_CLASS(Split);

}  // namespace caffe
