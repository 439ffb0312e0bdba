#include "caffe/layers/hdf5_data_layer.hpp"

#include <algorithm>
#include <fstream>

#include "caffe/layer_factory.hpp"
#include "caffe/util/hdf5.hpp"

namespace caffe {

template <typename Dtype>
void HDF5DataLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&,
                                      const vector<Blob<Dtype>*>& top) {
  const HDF5DataParameter& p = this->layer_param_.hdf5_data_param();
  CAFFE_ENFORCE_AS(ParseError, !this->layer_param_.has_transform_param(), this->where(),
                   "HDF5Data does not transform data; remove transform_param");
  CAFFE_ENFORCE_AS(ParseError, !p.source().empty(), this->where(), "hdf5_data_param.source is not set");
  CAFFE_ENFORCE_AS(ParseError, p.batch_size() > 0, this->where(),
                   "hdf5_data_param.batch_size must be positive");
  std::ifstream list(p.source());
  CAFFE_ENFORCE_AS(FileError, list.good(), this->where(), "cannot open the list of HDF5 files '",
                   p.source(), "'");
  std::string line;
  files_.clear();
  while (std::getline(list, line)) {
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    const size_t b = line.find_last_not_of(" \t\r");
    files_.push_back(line.substr(a, b - a + 1));
  }
  CAFFE_ENFORCE_AS(FileError, !files_.empty(), this->where(), "'", p.source(),
                   "' lists no HDF5 files");
  LOG(INFO) << this->where() << "number of HDF5 files: " << files_.size();
  datasets_ = {this->layer_param_.top().begin(), this->layer_param_.top().end()};
  loaded_.clear();
  for (size_t i = 0; i < top.size(); ++i) loaded_.emplace_back(new Blob<Dtype>());
  file_order_.resize(files_.size());
  for (size_t i = 0; i < files_.size(); ++i) file_order_[i] = static_cast<int>(i);
  if (p.shuffle()) Shuffle(&file_order_);
  current_file_ = 0;
  LoadFile(file_order_[0]);
  current_row_ = 0;
  for (size_t i = 0; i < top.size(); ++i) {
    vector<int> shape = loaded_[i]->shape();
    shape[0] = static_cast<int>(p.batch_size());
    top[i]->Reshape(shape);
  }
}

template <typename Dtype>
void HDF5DataLayer<Dtype>::Shuffle(std::vector<int>* order) {
  for (size_t i = order->size(); i > 1; --i) std::swap((*order)[i - 1], (*order)[Caffe::rng()() % i]);
}

template <typename Dtype>
void HDF5DataLayer<Dtype>::LoadFile(int index) {
  const std::string& name = files_[index];
  try {
    std::unique_ptr<HDF5File> file = HDF5File::Open(name);
    for (size_t i = 0; i < datasets_.size(); ++i) {
      HDF5ReadBlob(*file, datasets_[i], 1, 32, loaded_[i].get());
      LAYER_ENFORCE(loaded_[i]->shape(0) == loaded_[0]->shape(0), "in '", name, "' dataset '",
                    datasets_[i], "' has ", loaded_[i]->shape(0), " rows but '", datasets_[0],
                    "' has ", loaded_[0]->shape(0));
    }
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, this->where(), e.what());
  }
  LAYER_ENFORCE(loaded_[0]->shape(0) > 0, "'", name, "' holds no rows");
  row_order_.resize(loaded_[0]->shape(0));
  for (size_t r = 0; r < row_order_.size(); ++r) row_order_[r] = static_cast<int>(r);
  if (this->layer_param_.hdf5_data_param().shuffle()) Shuffle(&row_order_);
}

template <typename Dtype>
void HDF5DataLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>& top) {
  const int batch = static_cast<int>(this->layer_param_.hdf5_data_param().batch_size());
  for (int item = 0; item < batch; ++item) {
    if (current_row_ == static_cast<int>(row_order_.size())) {
      if (files_.size() > 1) {
        if (++current_file_ == static_cast<int>(files_.size())) {
          current_file_ = 0;
          if (this->layer_param_.hdf5_data_param().shuffle()) Shuffle(&file_order_);
        }
        LoadFile(file_order_[current_file_]);
      } else if (this->layer_param_.hdf5_data_param().shuffle()) {
        Shuffle(&row_order_);
      }
      current_row_ = 0;
    }
    for (size_t i = 0; i < top.size(); ++i) {
      const int row = loaded_[i]->count(1);
      LAYER_ENFORCE(row == top[i]->count(1), "dataset '", datasets_[i], "' of '",
                    files_[file_order_[current_file_]], "' has rows of shape ",
                    loaded_[i]->shape_string(), ", unlike the first file's");
      caffe_copy(row, loaded_[i]->cpu_data() + int64_t(row_order_[current_row_]) * row,
                 top[i]->mutable_cpu_data() + int64_t(item) * row);
    }
    ++current_row_;
  }
}

INSTANTIATE_CLASS(HDF5DataLayer);
REGISTER_LAYER_CLASS(HDF5Data);

}  // namespace caffe
