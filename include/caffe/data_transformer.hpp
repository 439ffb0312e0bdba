// DataTransformer: turns one image (a cv::Mat, 8-bit HWC as OpenCV decodes it, or a Datum,
// CHW bytes / floats / an encoded image) into C x H' x W' values of a blob, applying
// transform_param:
//   out[c][h][w] = (in[c][h + h_off][w' + w_off] - mean[c][h + h_off][w' + w_off]) * scale
// where the crop offsets are random in TRAIN and centred in TEST, w' = W'-1-w for a
// mirrored image (mirror: a coin flip per image in TRAIN) and w otherwise, and mean comes
// from mean_file (a BlobProto the size of the uncropped input) or mean_value (one value,
// or one per channel). force_color / force_gray decide how encoded images are decoded.
// Random choices use the transformer's own generator, seeded from Caffe::rng() by
// InitRand(), so a fixed caffe.set_random_seed repeats them even on a prefetch thread.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "caffe/blob.hpp"
#include "caffe/common.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

template <typename Dtype>
class DataTransformer {
 public:
  // `where` prefixes error messages (the owning layer's name).
  DataTransformer(const TransformationParameter& param, Phase phase, const std::string& where);

  // Seeds the generator from Caffe::rng() of the calling thread.
  void InitRand();

  // The 4-D shape (1, C, H', W') one transformed image has.
  vector<int> InferBlobShape(const Datum& datum) const;
  vector<int> InferBlobShape(const cv::Mat& img) const;

  // Write C*H'*W' values to out.
  void Transform(const Datum& datum, Dtype* out);
  void Transform(const cv::Mat& img, Dtype* out);

  // Decodes an encoded datum honouring force_color / force_gray.
  cv::Mat Decode(const Datum& datum) const;

  const TransformationParameter& param() const { return param_; }

 private:
  struct Plan {
    int h_off, w_off, out_h, out_w;
    bool mirror;
  };
  Plan MakePlan(int channels, int height, int width);
  template <typename Source>
  void Apply(const Plan& plan, int channels, int height, int width, Source src, Dtype* out) const;
  int Rand(int n);
  // The converted image as force_color / force_gray want it.
  cv::Mat ForceChannels(const cv::Mat& img) const;

  TransformationParameter param_;
  Phase phase_;
  std::string where_;
  Blob<Dtype> data_mean_;
  vector<Dtype> mean_values_;
  std::mt19937_64 rng_;
};

}  // namespace caffe
