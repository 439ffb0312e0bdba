#include "caffe/layers/im2col_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/layers/conv_settings.hpp"

namespace caffe {

template <typename Dtype>
void Im2colLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  const ConvolutionParameter& p = this->layer_param_.convolution_param();
  CAFFE_ENFORCE_AS(ParseError, p.axis() == 1 && !p.force_nd_im2col(), this->where(),
                   "only 2-D im2col over axis 1 is supported");
  const ConvSettings c = parse_conv_settings(p, this->where());
  for (int i = 0; i < 2; ++i) {
    kernel_[i] = c.kernel[i];
    stride_[i] = c.stride[i];
    pad_[i] = c.pad[i];
    dilation_[i] = c.dilation[i];
  }
}

template <typename Dtype>
void Im2colLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                 const vector<Blob<Dtype>*>& top) {
  LAYER_ENFORCE(bottom[0]->num_axes() == 4, "expected a 4-axis bottom (num, channels, height, "
                "width), got shape ", bottom[0]->shape_string());
  static const char* axis_name[2] = {"height", "width"};
  int out[2];
  for (int i = 0; i < 2; ++i) {
    const int64_t in = bottom[0]->shape(2 + i), pad = pad_[i];
    const int64_t extent = int64_t(dilation_[i]) * (kernel_[i] - 1) + 1;
    LAYER_ENFORCE(in + 2 * pad >= extent, "the kernel ", axis_name[i], " ", extent,
                  " is larger than the padded input ", axis_name[i], " ", in, " + 2*", pad);
    const int64_t o = (in + 2 * pad - extent) / stride_[i] + 1;
    const int64_t col_channels = int64_t(bottom[0]->shape(1)) * kernel_[0] * kernel_[1];
    LAYER_ENFORCE(o <= INT32_MAX && col_channels <= INT32_MAX, "the output would be too large");
    out[i] = static_cast<int>(o);
  }
  const int channels = bottom[0]->shape(1);
  geom_ = ConvGeometry{channels, bottom[0]->shape(2), bottom[0]->shape(3), kernel_[0], kernel_[1],
                       pad_[0], pad_[1], stride_[0], stride_[1], dilation_[0], dilation_[1],
                       out[0], out[1]};
  check_col_geometry(geom_, this->where());
  num_ = bottom[0]->shape(0);
  top[0]->Reshape(vector<int>{num_, channels * kernel_[0] * kernel_[1], out[0], out[1]});
  bottom_dim_ = bottom[0]->count(1);
  top_dim_ = top[0]->count(1);
}

INSTANTIATE_CLASS(Im2colLayer);
REGISTER_LAYER_CLASS(Im2col);

}  // namespace caffe
