#include "caffe/layers/lrn_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void LRNLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                  const vector<Blob<Dtype>*>& top) {
  gpu_for(bottom[0]->count(), LRNForward<Dtype>{bottom[0]->gpu_data(), scale_.mutable_gpu_data(),
                                                top[0]->mutable_gpu_data(), geom_});
}

template <typename Dtype>
void LRNLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                   const vector<bool>& propagate_down,
                                   const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  gpu_for(bottom[0]->count(),
          LRNBackward<Dtype>{bottom[0]->gpu_data(), top[0]->gpu_data(), scale_.gpu_data(),
                             top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff(), geom_});
}

#define INSTANTIATE_LRN_GPU(T)                                                          \
  template void LRNLayer<T>::Forward_gpu(const vector<Blob<T>*>&, const vector<Blob<T>*>&); \
  template void LRNLayer<T>::Backward_gpu(const vector<Blob<T>*>&, const vector<bool>&,     \
                                          const vector<Blob<T>*>&)
INSTANTIATE_LRN_GPU(float);
INSTANTIATE_LRN_GPU(double);

}  // namespace caffe
