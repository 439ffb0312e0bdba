#include "caffe/layers/conv_layer.hpp"

#include <cstdint>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void ConvolutionLayer<Dtype>::compute_output_shape() {
  this->output_shape_.clear();
  static const char* axis_name[2] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    // In 64 bits: kernel, dilation and pad come from the definition and may be huge.
    const int64_t in = this->input_shape_[i], pad = this->pad_[i];
    const int64_t extent = int64_t(this->dilation_[i]) * (this->kernel_[i] - 1) + 1;
    LAYER_ENFORCE(in + 2 * pad >= extent, "the kernel ", axis_name[i], " ", extent, " (kernel ",
                  this->kernel_[i], ", dilation ", this->dilation_[i],
                  ") is larger than the padded input ", axis_name[i], " ", in, " + 2*", pad);
    const int64_t out = (in + 2 * pad - extent) / this->stride_[i] + 1;
    LAYER_ENFORCE(out <= INT32_MAX, "the output ", axis_name[i], " would be ", out,
                  " (input ", in, " + 2*pad ", pad, "): too large");
    this->output_shape_.push_back(static_cast<int>(out));
  }
}

INSTANTIATE_CLASS(ConvolutionLayer);
REGISTER_LAYER_CLASS(Convolution);

}  // namespace caffe
