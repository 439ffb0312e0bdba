#include "caffe/kernels/st_companions.hpp"
#include "caffe/layers/power_file_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void PowerFileLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                        const vector<Blob<Dtype>*>& top) {
  gpu_for(bottom[0]->count(), st::AddShiftElement<Dtype>{bottom[0]->gpu_data(), shift_.gpu_data(),
                                                         shift_.count(), top[0]->mutable_gpu_data()});
}

template <typename Dtype>
void PowerFileLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                         const vector<bool>& propagate_down,
                                         const vector<Blob<Dtype>*>& bottom) {
  if (propagate_down[0] && top[0] != bottom[0])
    caffe_gpu_copy(top[0]->count(), top[0]->gpu_diff(), bottom[0]->mutable_gpu_diff());
}

template void PowerFileLayer<float>::Forward_gpu(const vector<Blob<float>*>&, const vector<Blob<float>*>&);
template void PowerFileLayer<double>::Forward_gpu(const vector<Blob<double>*>&, const vector<Blob<double>*>&);
template void PowerFileLayer<float>::Backward_gpu(const vector<Blob<float>*>&, const vector<bool>&, const vector<Blob<float>*>&);
template void PowerFileLayer<double>::Backward_gpu(const vector<Blob<double>*>&, const vector<bool>&, const vector<Blob<double>*>&);

}  // namespace caffe
