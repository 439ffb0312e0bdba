#include "caffe/layers/conv_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ConvolutionLayer<Dtype>::compute_output_shape() {
  this->output_shape_.clear();
  static const char* axis_name[2] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    const int in = this->input_shape_[i];
    const int extent = this->dilation_[i] * (this->kernel_[i] - 1) + 1;
    const int out = conv_out_size(in, this->kernel_[i], this->pad_[i], this->stride_[i],
                                  this->dilation_[i]);
    LAYER_ENFORCE(in + 2 * this->pad_[i] >= extent && out > 0, "the kernel ", axis_name[i], " ",
                  extent, " (kernel ", this->kernel_[i], ", dilation ", this->dilation_[i],
                  ") is larger than the padded input ", axis_name[i], " ", in, " + 2*",
                  this->pad_[i]);
    this->output_shape_.push_back(out);
  }
}

INSTANTIATE_CLASS(ConvolutionLayer);
REGISTER_LAYER_CLASS(Convolution);

}  // namespace caffe
