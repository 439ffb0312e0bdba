#include "caffe/layers/deconv_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/device_math.hpp"

namespace caffe {

template <typename Dtype>
void DeconvolutionLayer<Dtype>::compute_output_shape() {
  this->output_shape_.clear();
  static const char* axis_name[2] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    const int extent = this->dilation_[i] * (this->kernel_[i] - 1) + 1;
    const int out = this->stride_[i] * (this->input_shape_[i] - 1) + extent - 2 * this->pad_[i];
    LAYER_ENFORCE(out > 0, "the output ", axis_name[i], " would be ", out, " (input ",
                  this->input_shape_[i], ", stride ", this->stride_[i], ", kernel extent ", extent,
                  ", pad ", this->pad_[i], ")");
    this->output_shape_.push_back(out);
  }
}

template <typename Dtype>
void DeconvolutionLayer<Dtype>::forward(const vector<Blob<Dtype>*>& bottom,
                                        const vector<Blob<Dtype>*>& top, bool gpu) {
  const Dtype* weight = device_data(*this->blobs_[0], gpu);
  for (size_t i = 0; i < bottom.size(); ++i) {
    const Dtype* x = device_data(*bottom[i], gpu);
    Dtype* y = device_mutable_data(*top[i], gpu);
    for (int n = 0; n < this->num_; ++n) {
      this->backward_gemm(x + n * this->bottom_dim_, weight, y + n * this->top_dim_, gpu);
      if (this->bias_term_) {
        this->forward_bias(y + n * this->top_dim_, device_data(*this->blobs_[1], gpu), gpu);
      }
    }
  }
}

template <typename Dtype>
void DeconvolutionLayer<Dtype>::backward(const vector<Blob<Dtype>*>& top,
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
      // The roles of Convolution's passes swap: the top is im2col's image.
      if (weight_grad) this->weight_gemm(dy + n * this->top_dim_, x + n * this->bottom_dim_, dw, gpu);
      if (dx) this->forward_gemm(dy + n * this->top_dim_, weight, dx + n * this->bottom_dim_, gpu);
    }
  }
}

INSTANTIATE_CLASS(DeconvolutionLayer);
REGISTER_LAYER_CLASS(Deconvolution);

}  // namespace caffe
