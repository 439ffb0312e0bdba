#include "caffe/layers/pooling_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void PoolingLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  const int64_t n = top[0]->count();
  const Dtype* x = bottom[0]->gpu_data();
  Dtype* y = top[0]->mutable_gpu_data();
  if (is_max()) {
    gpu_for(n, MaxPoolForward<Dtype>{x, y, mask_blob(top)->mutable_gpu_data(), geom_});
  } else {
    gpu_for(n, AvePoolForward<Dtype>{x, y, geom_});
  }
}

template <typename Dtype>
void PoolingLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                       const vector<bool>& propagate_down,
                                       const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  const int64_t n = bottom[0]->count();
  const Dtype* dy = top[0]->gpu_diff();
  Dtype* dx = bottom[0]->mutable_gpu_diff();
  if (is_max()) {
    gpu_for(n, MaxPoolBackward<Dtype>{dy, mask_blob(top)->gpu_data(), dx, geom_});
  } else {
    gpu_for(n, AvePoolBackward<Dtype>{dy, dx, geom_});
  }
}

#define INSTANTIATE_POOLING_GPU(T)                                                         \
  template void PoolingLayer<T>::Forward_gpu(const vector<Blob<T>*>&, const vector<Blob<T>*>&); \
  template void PoolingLayer<T>::Backward_gpu(const vector<Blob<T>*>&, const vector<bool>&,     \
                                              const vector<Blob<T>*>&)
INSTANTIATE_POOLING_GPU(float);
INSTANTIATE_POOLING_GPU(double);

}  // namespace caffe
