// ImageData: reads images named in a list file of `path label` lines (the label is the
// last whitespace-separated token, so paths may contain spaces), decodes them with
// OpenCV (BGR when is_color, else gray), resizes them to new_height x new_width when
// both are set, applies transform_param, and outputs data (N x C x H x W) and label (N).
// shuffle reorders the list at start and every epoch (seeded by caffe.set_random_seed);
// rand_skip skips a random number of lines at start. Loading runs on a prefetch thread.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "caffe/layers/base_data_layer.hpp"
#include "caffe/util/image_io.hpp"

namespace caffe {

template <typename Dtype>
class ImageDataLayer : public BasePrefetchingDataLayer<Dtype> {
 public:
  explicit ImageDataLayer(const LayerParameter& param) : BasePrefetchingDataLayer<Dtype>(param) {}
  ~ImageDataLayer() override { this->StopPrefetching(); }
  void DataLayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "ImageData"; }

 protected:
  void load_batch(Batch<Dtype>* batch) override;
  // Reads entry i of the list (as the parameters say), naming it in errors.
  cv::Mat ReadEntry(size_t i) const;
  std::string Describe(size_t i) const;
  void Shuffle();

  std::vector<ImageListEntry> lines_;
  size_t pos_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace caffe
