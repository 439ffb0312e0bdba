#include "caffe/util/im2col.hpp"
#include "caffe/util/parallel.cuh"

namespace caffe {

template <typename Dtype>
void im2col_gpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col) {
  gpu_for(col_count(g), Im2colOp<Dtype>{data_im, data_col, g});
}

template <typename Dtype>
void col2im_gpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im) {
  gpu_for(image_count(g), Col2imOp<Dtype>{data_col, data_im, g});
}

template void im2col_gpu<float>(const float*, const ConvGeometry&, float*);
template void im2col_gpu<double>(const double*, const ConvGeometry&, double*);
template void col2im_gpu<float>(const float*, const ConvGeometry&, float*);
template void col2im_gpu<double>(const double*, const ConvGeometry&, double*);

}  // namespace caffe
