#include "caffe/layers/power_file_layer.hpp"

#include <fstream>
#include <string>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void PowerFileLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const std::string& path = this->layer_param_.power_file_param().shift_file();
  CAFFE_ENFORCE_AS(ParseError, !path.empty(), this->where(),
                   "power_file_param.shift_file is required (a text file of shifts)");
  std::ifstream in(path);
  CAFFE_ENFORCE_AS(FileError, in.good(), this->where(), "cannot open shift_file '", path, "'");
  shift_values_.clear();
  std::string word;
  while (in >> word) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    CAFFE_ENFORCE_AS(ParseError, used == word.size(), this->where(), "shift_file '", path,
                     "': expected numbers, found '", word, "' after ", shift_values_.size(),
                     " number(s)");
    shift_values_.push_back(static_cast<Dtype>(v));
  }
  CAFFE_ENFORCE_AS(ParseError, !shift_values_.empty(), this->where(), "shift_file '", path,
                   "' holds no numbers");
}

template <typename Dtype>
void PowerFileLayer<Dtype>::Reshape(const vector<Blob<Dtype>*>& bottom,
                                    const vector<Blob<Dtype>*>& top) {
  const int features = bottom[0]->num_axes() >= 1 ? bottom[0]->count(1) : 0;
  LAYER_ENFORCE(features == static_cast<int>(shift_values_.size()), "expected a bottom with ",
                shift_values_.size(), " features per sample (one per number in shift_file), got ",
                bottom[0]->shape_string());
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
  if (shift_.count() != features) {
    shift_.Reshape({features});
    caffe_copy(features, shift_values_.data(), shift_.mutable_cpu_data());
  }
}

INSTANTIATE_CLASS(PowerFileLayer);
REGISTER_LAYER_CLASS(PowerFile);

}  // namespace caffe
