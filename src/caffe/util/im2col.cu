#include "caffe/util/im2col.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void im2col_gpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col) {
  const int64_t n = static_cast<int64_t>(g.channels) * g.kernel_h * g.kernel_w * g.out_h * g.out_w;
  gpu_for(n, Im2colOp<Dtype>{data_im, data_col, g});
}

template <typename Dtype>
void col2im_gpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im) {
  const int64_t n = static_cast<int64_t>(g.channels) * g.height * g.width;
  gpu_for(n, Col2imOp<Dtype>{data_col, data_im, g});
}

template void im2col_gpu<float>(const float*, const ConvGeometry&, float*);
template void im2col_gpu<double>(const double*, const ConvGeometry&, double*);
template void col2im_gpu<float>(const float*, const ConvGeometry&, float*);
template void col2im_gpu<double>(const double*, const ConvGeometry&, double*);

}  // namespace caffe
