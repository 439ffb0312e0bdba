#include "caffe/layers/memory_data_layer.hpp"

#include <cstring>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void MemoryDataLayer<Dtype>::DataLayerSetUp(const vector<Blob<Dtype>*>&,
                                            const vector<Blob<Dtype>*>& top) {
  const MemoryDataParameter& p = this->layer_param_.memory_data_param();
  batch_size_ = static_cast<int>(p.batch_size());
  channels_ = static_cast<int>(p.channels());
  height_ = static_cast<int>(p.height());
  width_ = static_cast<int>(p.width());
  CAFFE_ENFORCE_AS(ParseError, batch_size_ > 0 && channels_ > 0 && height_ > 0 && width_ > 0,
                   this->where(), "memory_data_param needs positive batch_size, channels, height "
                   "and width; got ", batch_size_, ", ", channels_, ", ", height_, ", ", width_);
  top[0]->Reshape(batch_size_, channels_, height_, width_);
  if (this->output_labels_) top[1]->Reshape(vector<int>{batch_size_});
}

template <typename Dtype>
void MemoryDataLayer<Dtype>::Reset(const Dtype* data, const Dtype* labels, int n,
                                   std::shared_ptr<void> keepalive) {
  CAFFE_ENFORCE_AS(ShapeError, n > 0 && n % batch_size_ == 0, this->where(), "got ", n,
                   " items; the number must be a positive multiple of the batch size ", batch_size_);
  data_ = data;
  labels_ = labels;
  n_ = n;
  pos_ = 0;
  keepalive_ = std::move(keepalive);
}

template <typename Dtype>
void MemoryDataLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>&,
                                         const vector<Blob<Dtype>*>& top) {
  CAFFE_ENFORCE_AS(Error, data_ != nullptr, this->where(),
                   "no data: call net.set_input_arrays(data, labels) (Reset in C++) first");
  const size_t item = static_cast<size_t>(channels_) * height_ * width_;
  top[0]->Reshape(batch_size_, channels_, height_, width_);
  std::memcpy(top[0]->mutable_cpu_data(), data_ + item * pos_, sizeof(Dtype) * item * batch_size_);
  if (this->output_labels_) {
    top[1]->Reshape(vector<int>{batch_size_});
    std::memcpy(top[1]->mutable_cpu_data(), labels_ + pos_, sizeof(Dtype) * batch_size_);
  }
  pos_ = (pos_ + batch_size_) % n_;
}

INSTANTIATE_CLASS(MemoryDataLayer);
REGISTER_LAYER_CLASS(MemoryData);

}  // namespace caffe
