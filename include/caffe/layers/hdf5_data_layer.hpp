// HDF5Data (BVLC's): reads batches from HDF5 files. hdf5_data_param.source is a text file
// listing HDF5 files, one path per line (relative paths are taken from the working
// directory, as in BVLC). Each top reads the dataset of its own name ("data", "label", or
// any other: e.g. a label dataset of N x 6 numbers for the six entries of theta); all of a
// file's datasets must have the same number of rows (first axis), and every top is
// batch_size x <the dataset's other axes>. Rows are served in order, moving to the next
// file at the end of one and wrapping around after the last; with shuffle the file order
// and the rows within each file are shuffled (from Caffe::rng()) on every pass. Numbers
// of any type are converted to the net's float type. One file is in memory at a time.
// No transform_param (as in BVLC); no backward.
#pragma once

#include <string>
#include <vector>

#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class HDF5DataLayer : public Layer<Dtype> {
 public:
  explicit HDF5DataLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Tops are shaped at set-up and keep their shape.
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) override {}
  const char* type() const override { return "HDF5Data"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Backward_cpu(const vector<Blob<Dtype>*>&, const vector<bool>&,
                    const vector<Blob<Dtype>*>&) override {}
  void LoadFile(int index);
  void Shuffle(std::vector<int>* order);

  std::vector<std::string> files_;
  std::vector<int> file_order_, row_order_;
  int current_file_ = 0, current_row_ = 0;
  std::vector<std::string> datasets_;  // the top names
  std::vector<shared_ptr<Blob<Dtype>>> loaded_;
};

}  // namespace caffe
