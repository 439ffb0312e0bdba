// HDF5Output (BVLC's): writes its two bottoms to the HDF5 file
// hdf5_output_param.file_name, as datasets "data" (bottom 0) and "label" (bottom 1). Every
// forward pass appends its rows (first axis) to those of the passes before, and the file
// is rewritten, atomically, with all of them; so after k passes of batches of N it holds
// k*N rows of each. (BVLC writes the first pass only.) No tops, no backward.
#pragma once

#include <string>
#include <vector>

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class HDF5OutputLayer : public Layer<Dtype> {
 public:
  explicit HDF5OutputLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) override {}
  const char* type() const override { return "HDF5Output"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 0; }
  const std::string& file_name() const { return file_name_; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>&, const vector<bool>&,
                    const vector<Blob<Dtype>*>&) override {}

  std::string file_name_;
  std::vector<Dtype> rows_[2];      // everything written so far, per bottom
  std::vector<int> shape_[2];       // of one pass's bottom (the first axis grows)
  int total_ = 0;                   // rows written
};

}  // namespace caffe
