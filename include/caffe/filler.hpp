// Fillers initialise parameter blobs: constant, uniform, gaussian (optionally sparse),
// positive_unitball, xavier, msra, bilinear, and "file" (numbers read from a text file).
#pragma once

#include "caffe/blob.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

template <typename Dtype>
class Filler {
 public:
  explicit Filler(const FillerParameter& param) : filler_param_(param) {}
  virtual ~Filler() = default;
  virtual void Fill(Blob<Dtype>* blob) = 0;

 protected:
  FillerParameter filler_param_;
};

// Creates the filler named by param.type(); an unknown type raises ParseError.
template <typename Dtype>
shared_ptr<Filler<Dtype>> GetFiller(const FillerParameter& param);

}  // namespace caffe
