#include "caffe/layers/hdf5_output_layer.hpp"

#include "caffe/layer_factory.hpp"
#include "caffe/util/hdf5.hpp"

namespace caffe {

template <typename Dtype>
void HDF5OutputLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) {
  file_name_ = this->layer_param_.hdf5_output_param().file_name();
  CAFFE_ENFORCE_AS(ParseError, !file_name_.empty(), this->where(),
                   "hdf5_output_param.file_name is not set");
  total_ = 0;
}

template <typename Dtype>
void HDF5OutputLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>& bottom,
                                         const vector<Blob<Dtype>*>&) {
  static const char* names[2] = {"data", "label"};
  LAYER_ENFORCE(bottom[0]->num_axes() >= 1 && bottom[1]->num_axes() >= 1 &&
                bottom[0]->shape(0) == bottom[1]->shape(0), "data and label must have the same "
                "number of rows, got shapes ", bottom[0]->shape_string(), " and ",
                bottom[1]->shape_string());
  for (int b = 0; b < 2; ++b) {
    vector<int> shape = bottom[b]->shape();
    if (total_ > 0) {
      LAYER_ENFORCE(vector<int>(shape.begin() + 1, shape.end()) ==
                    vector<int>(shape_[b].begin() + 1, shape_[b].end()), "bottom '", names[b],
                    "' changed its row shape from ", Blob<Dtype>(shape_[b]).shape_string(), " to ",
                    bottom[b]->shape_string());
    }
    shape_[b] = shape;
    const Dtype* x = bottom[b]->cpu_data();
    rows_[b].insert(rows_[b].end(), x, x + bottom[b]->count());
  }
  total_ += bottom[0]->shape(0);
  std::unique_ptr<HDF5File> file = HDF5File::Create(file_name_);
  for (int b = 0; b < 2; ++b) {
    vector<int> shape = shape_[b];
    shape[0] = total_;
    file->Write<Dtype>(names[b], shape, rows_[b].data());
  }
  try {
    file->Save();
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, this->where(), e.what());
  }
}

INSTANTIATE_CLASS(HDF5OutputLayer);
REGISTER_LAYER_CLASS(HDF5Output);

}  // namespace caffe
