#include "caffe/kernels/st_companions.hpp"
#include "caffe/layers/st_loss_layer.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void STLossLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                     const vector<Blob<Dtype>*>& top) {
  const int N = bottom[0]->shape(0);
  gpu_for(N, st::STLossSample<Dtype>{bottom[0]->gpu_data(), output_H_, output_W_,
                                     per_sample_.mutable_gpu_data(), dtheta_.mutable_gpu_data()});
  Dtype sum;
  caffe_gpu_asum(N, per_sample_.gpu_data(), &sum);  // each sample's penalty is >= 0
  top[0]->mutable_cpu_data()[0] = sum / (Dtype(N) * output_H_ * output_W_);
}

template <typename Dtype>
void STLossLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                      const vector<bool>& propagate_down,
                                      const vector<Blob<Dtype>*>& bottom) {
  if (!propagate_down[0]) return;
  const int N = bottom[0]->shape(0);
  const Dtype scale = top[0]->cpu_diff()[0] / (Dtype(N) * output_H_ * output_W_);
  caffe_gpu_scale(dtheta_.count(), scale, dtheta_.gpu_data(), bottom[0]->mutable_gpu_diff());
}

template void STLossLayer<float>::Forward_gpu(const vector<Blob<float>*>&, const vector<Blob<float>*>&);
template void STLossLayer<double>::Forward_gpu(const vector<Blob<double>*>&, const vector<Blob<double>*>&);
template void STLossLayer<float>::Backward_gpu(const vector<Blob<float>*>&, const vector<bool>&, const vector<Blob<float>*>&);
template void STLossLayer<double>::Backward_gpu(const vector<Blob<double>*>&, const vector<bool>&, const vector<Blob<double>*>&);

}  // namespace caffe
