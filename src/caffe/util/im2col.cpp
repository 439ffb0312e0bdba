#include "caffe/util/im2col.hpp"

#include "caffe/common.hpp"
#include "caffe/util/parallel.hpp"

namespace caffe {

ConvGeometry make_conv_geometry(int channels, int height, int width, int kernel_h, int kernel_w,
                                int pad_h, int pad_w, int stride_h, int stride_w,
                                int dilation_h, int dilation_w) {
  ConvGeometry g{channels, height, width, kernel_h, kernel_w, pad_h, pad_w,
                 stride_h, stride_w, dilation_h, dilation_w, 0, 0};
  g.out_h = conv_out_size(height, kernel_h, pad_h, stride_h, dilation_h);
  g.out_w = conv_out_size(width, kernel_w, pad_w, stride_w, dilation_w);
  return g;
}

template <typename Dtype>
void im2col_cpu(const Dtype* data_im, const ConvGeometry& g, Dtype* data_col) {
  cpu_for(col_count(g), Im2colOp<Dtype>{data_im, data_col, g});
}

template <typename Dtype>
void col2im_cpu(const Dtype* data_col, const ConvGeometry& g, Dtype* data_im) {
  cpu_for(image_count(g), Col2imOp<Dtype>{data_col, data_im, g});
}

#define INSTANTIATE_IM2COL(T)                                                  \
  template void im2col_cpu<T>(const T*, const ConvGeometry&, T*);              \
  template void col2im_cpu<T>(const T*, const ConvGeometry&, T*)
INSTANTIATE_IM2COL(float);
INSTANTIATE_IM2COL(double);

}  // namespace caffe
