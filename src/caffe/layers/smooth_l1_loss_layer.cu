#include "caffe/kernels/st_companions.hpp"
#include "caffe/layers/smooth_l1_loss_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void SmoothL1LossLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                           const vector<Blob<Dtype>*>& top) {
  const bool w = bottom.size() == 4;
  const int count = bottom[0]->count();
  gpu_for(count, st::SmoothL1Element<Dtype>{
      bottom[0]->gpu_data(), bottom[1]->gpu_data(), w ? bottom[2]->gpu_data() : nullptr,
      w ? bottom[3]->gpu_data() : nullptr, sigma2_, per_element_.mutable_gpu_data(), nullptr, 0});
  // A plain sum (outside weights may be negative): a dot with ones, kept in the diff.
  caffe_gpu_set(count, Dtype(1), per_element_.mutable_gpu_diff());
  Dtype sum;
  caffe_gpu_dot(count, per_element_.gpu_data(), per_element_.gpu_diff(), &sum);
  top[0]->mutable_cpu_data()[0] = sum / Dtype(bottom[0]->shape(0));
}

template <typename Dtype>
void SmoothL1LossLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                            const vector<bool>& propagate_down,
                                            const vector<Blob<Dtype>*>& bottom) {
  const bool w = bottom.size() == 4;
  const Dtype scale = top[0]->cpu_diff()[0] / Dtype(bottom[0]->shape(0));
  for (int i = 0; i < 2; ++i) {
    if (!propagate_down[i]) continue;
    gpu_for(bottom[0]->count(), st::SmoothL1Element<Dtype>{
        bottom[0]->gpu_data(), bottom[1]->gpu_data(), w ? bottom[2]->gpu_data() : nullptr,
        w ? bottom[3]->gpu_data() : nullptr, sigma2_, nullptr, bottom[i]->mutable_gpu_diff(),
        i == 0 ? scale : -scale});
  }
}

template void SmoothL1LossLayer<float>::Forward_gpu(const vector<Blob<float>*>&, const vector<Blob<float>*>&);
template void SmoothL1LossLayer<double>::Forward_gpu(const vector<Blob<double>*>&, const vector<Blob<double>*>&);
template void SmoothL1LossLayer<float>::Backward_gpu(const vector<Blob<float>*>&, const vector<bool>&, const vector<Blob<float>*>&);
template void SmoothL1LossLayer<double>::Backward_gpu(const vector<Blob<double>*>&, const vector<bool>&, const vector<Blob<double>*>&);

}  // namespace caffe
