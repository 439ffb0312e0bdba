// Device passes of Dropout: the same steps as on the host, with cuRAND draws.
#include "caffe/layers/dropout_layer.hpp"
#include "caffe/util/side.cuh"

namespace caffe {

template <typename Dtype>
void DropoutLayer<Dtype>::Forward_gpu(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  ForwardOn<GpuSide>(bottom, top);
}

template <typename Dtype>
void DropoutLayer<Dtype>::Backward_gpu(const vector<Blob<Dtype>*>& top,
                                       const vector<bool>& propagate_down,
                                       const vector<Blob<Dtype>*>& bottom) {
  BackwardOn<GpuSide>(top, propagate_down, bottom);
}

INSTANTIATE_LAYER_GPU_FUNCS(DropoutLayer);

}  // namespace caffe
