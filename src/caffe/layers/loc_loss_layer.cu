#include "caffe/kernels/st_companions.hpp"
#include "caffe/layers/loc_loss_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void LocLossLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  const int count = bottom[0]->count();
  gpu_for(count, st::LocLossElement<Dtype>{bottom[0]->gpu_data(), threshold_,
                                           per_element_.mutable_gpu_data(), nullptr, Dtype(0)});
  Dtype sum;
  caffe_gpu_asum(count, per_element_.gpu_data(), &sum);  // every term is >= 0
  top[0]->mutable_cpu_data()[0] = sum / Dtype(bottom[0]->shape(0));
}

template <typename Dtype>
void LocLossLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                       const vector<bool>& propagate_down,
                                       const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  const Dtype scale = top[0]->cpu_diff()[0] / Dtype(bottom[0]->shape(0));
  gpu_for(bottom[0]->count(), st::LocLossElement<Dtype>{bottom[0]->gpu_data(), threshold_,
                                                        nullptr, bottom[0]->mutable_gpu_diff(), scale});
}

template void LocLossLayer<float>::Forward_gpu(const vector<Blob<float>*>&, const vector<Blob<float>*>&);
template void LocLossLayer<double>::Forward_gpu(const vector<Blob<double>*>&, const vector<Blob<double>*>&);
template void LocLossLayer<float>::Backward_gpu(const vector<Blob<float>*>&, const vector<bool>&, const vector<Blob<float>*>&);
template void LocLossLayer<double>::Backward_gpu(const vector<Blob<double>*>&, const vector<bool>&, const vector<Blob<double>*>&);

}  // namespace caffe
