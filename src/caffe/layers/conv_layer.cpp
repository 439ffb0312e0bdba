#include "caffe/layers/conv_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/device_math.hpp"

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

template <typename Dtype>
void ConvolutionLayer<Dtype>::forward(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top, bool gpu) {
  const Dtype* weight = device_data(*this->blobs_[0], gpu);
  for (size_t i = 0; i < bottom.size(); ++i) {
    const Dtype* x = device_data(*bottom[i], gpu);
    Dtype* y = device_mutable_data(*top[i], gpu);
    for (int n = 0; n < this->num_; ++n) {
      this->forward_gemm(x + n * this->bottom_dim_, weight, y + n * this->top_dim_, gpu);
      if (this->bias_term_) {
        this->forward_bias(y + n * this->top_dim_, device_data(*this->blobs_[1], gpu), gpu);
      }
    }
  }
}

template <typename Dtype>
void ConvolutionLayer<Dtype>::backward(const vector<Blob<Dtype>*>& top,
                                       const vector<bool>& propagate_down,
                                       const vector<Blob<Dtype>*>& bottom, bool gpu) {
  const Dtype* weight = device_data(*this->blobs_[0], gpu);
  const bool weight_grad = this->param_propagate_down(0);
  const bool bias_grad = this->bias_term_ && this->param_propagate_down(1);
  for (size_t i = 0; i < top.size(); ++i) {
    const Dtype* dy = device_diff(*top[i], gpu);
    if (bias_grad) {
      Dtype* db = device_mutable_diff(*this->blobs_[1], gpu);
      for (int n = 0; n < this->num_; ++n) this->backward_bias(db, dy + n * this->top_dim_, gpu);
    }
    if (!weight_grad && !propagate_down[i]) continue;
    const Dtype* x = device_data(*bottom[i], gpu);
    Dtype* dw = weight_grad ? device_mutable_diff(*this->blobs_[0], gpu) : nullptr;
    Dtype* dx = propagate_down[i] ? device_mutable_diff(*bottom[i], gpu) : nullptr;
    for (int n = 0; n < this->num_; ++n) {
      if (weight_grad) this->weight_gemm(x + n * this->bottom_dim_, dy + n * this->top_dim_, dw, gpu);
      if (dx) this->backward_gemm(dy + n * this->top_dim_, weight, dx + n * this->bottom_dim_, gpu);
    }
  }
}

INSTANTIATE_CLASS(ConvolutionLayer);
REGISTER_LAYER_CLASS(Convolution);

}  // namespace caffe
