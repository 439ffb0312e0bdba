// MemoryData: serves batches from arrays in memory set with Reset() (pycaffe:
// net.set_input_arrays(data, labels)). Outputs data (batch_size x channels x height x
// width) and label (batch_size), stepping through the arrays batch by batch and wrapping
// around. The arrays are used as given (transform_param is not applied); the layer holds
// `keepalive` so their memory stays valid while it uses them.
#pragma once

#include <memory>

#include "caffe/layers/base_data_layer.hpp"

namespace caffe {

template <typename Dtype>
class MemoryDataLayer : public BaseDataLayer<Dtype> {
 public:
  explicit MemoryDataLayer(const LayerParameter& param) : BaseDataLayer<Dtype>(param) {}
  void DataLayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "MemoryData"; }

  // n items of channels*height*width values each, and n labels; n must be a multiple
  // of the batch size.
  void Reset(const Dtype* data, const Dtype* labels, int n, std::shared_ptr<void> keepalive);
  int batch_size() const { return batch_size_; }
  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;

  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  const Dtype* data_ = nullptr;
  const Dtype* labels_ = nullptr;
  int n_ = 0, pos_ = 0;
  std::shared_ptr<void> keepalive_;
};

}  // namespace caffe
