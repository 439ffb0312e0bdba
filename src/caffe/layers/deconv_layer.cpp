#include "caffe/layers/deconv_layer.hpp"

#include <cstdint>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void DeconvolutionLayer<Dtype>::compute_output_shape() {
  this->output_shape_.clear();
  static const char* axis_name[2] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    // In 64 bits: kernel, dilation, stride and pad come from the definition.
    const int64_t extent = int64_t(this->dilation_[i]) * (this->kernel_[i] - 1) + 1;
    const int64_t out = int64_t(this->stride_[i]) * (this->input_shape_[i] - 1) + extent -
                        2 * int64_t(this->pad_[i]);
    LAYER_ENFORCE(out > 0 && out <= INT32_MAX, "the output ", axis_name[i], " would be ", out, " (input ",
                  this->input_shape_[i], ", stride ", this->stride_[i], ", kernel extent ", extent,
                  ", pad ", this->pad_[i], ")");
    this->output_shape_.push_back(static_cast<int>(out));
  }
}

INSTANTIATE_CLASS(DeconvolutionLayer);
REGISTER_LAYER_CLASS(Deconvolution);

}  // namespace caffe
