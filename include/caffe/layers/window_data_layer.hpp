// WindowData (BVLC's, for R-CNN style fine-tuning): each batch item is a window of an
// image, cropped (with context), warped to crop_size x crop_size and labelled.
//
// window_data_param.source is a window file of blocks
//     # <image index>
//     <image path>              (prefixed by root_folder)
//     <channels> <height> <width>
//     <number of windows>
//     <class> <overlap> <x1> <y1> <x2> <y2>     (one line per window; corners inclusive)
// Windows with overlap >= fg_threshold are foreground (class > 0); those with overlap <
// bg_threshold are background (label 0). Each batch holds batch_size - int(batch_size *
// fg_fraction) background windows and then the foreground ones, each drawn at random
// (from the prefetch thread's Caffe::rng()). A window is grown by context_pad pixels of
// context on each side of the warped result (crop_mode "square" first makes it square),
// the part outside the image stays 0, and with transform_param.mirror it is flipped at
// random. Values: (pixel - mean) * window_data_param.scale, the mean from
// transform_param.mean_file (its centre crop_size x crop_size) or mean_value. Images are
// read as 3-channel BGR (cache_images keeps their encoded bytes in memory). Tops: data
// batch_size x 3 x crop_size x crop_size and label (batch_size).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "caffe/layers/base_data_layer.hpp"

namespace caffe {

template <typename Dtype>
class WindowDataLayer : public BasePrefetchingDataLayer<Dtype> {
 public:
  explicit WindowDataLayer(const LayerParameter& param) : BasePrefetchingDataLayer<Dtype>(param) {}
  ~WindowDataLayer() override { this->StopPrefetching(); }
  void DataLayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  const char* type() const override { return "WindowData"; }

 protected:
  struct Window {
    int image;
    float label, overlap;
    int x1, y1, x2, y2;
  };
  void load_batch(Batch<Dtype>* batch) override;
  void ReadWindowFile(const std::string& source);

  std::vector<std::string> images_;    // paths
  std::vector<std::string> encoded_;   // with cache_images: the files' bytes
  std::vector<Window> fg_, bg_;
  int channels_ = 3, crop_size_ = 0;
  Blob<Dtype> mean_;                   // from mean_file: C x H x W
  std::vector<Dtype> mean_values_;     // one per channel
};

}  // namespace caffe
