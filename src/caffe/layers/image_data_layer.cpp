#include "caffe/layers/image_data_layer.hpp"

#include <algorithm>

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
std::string ImageDataLayer<Dtype>::Describe(size_t i) const {
  const ImageDataParameter& p = this->layer_param_.image_data_param();
  return str_cat("'", JoinRoot(p.root_folder(), lines_[i].path), "' (list file '", p.source(),
                 "' line ", lines_[i].line, ")");
}

template <typename Dtype>
cv::Mat ImageDataLayer<Dtype>::ReadEntry(size_t i) const {
  const ImageDataParameter& p = this->layer_param_.image_data_param();
  try {
    return ReadImageToCVMat(JoinRoot(p.root_folder(), lines_[i].path),
                            static_cast<int>(p.new_height()), static_cast<int>(p.new_width()),
                            p.is_color());
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, this->where(), "list file '", p.source(), "' line ", lines_[i].line,
                   ": ", e.what());
  }
}

template <typename Dtype>
void ImageDataLayer<Dtype>::Shuffle() {
  std::shuffle(lines_.begin(), lines_.end(), rng_);
}

template <typename Dtype>
void ImageDataLayer<Dtype>::DataLayerSetUp(const vector<Blob<Dtype>*>&,
                                           const vector<Blob<Dtype>*>& top) {
  const ImageDataParameter& p = this->layer_param_.image_data_param();
  CAFFE_ENFORCE_AS(ParseError, !p.source().empty(), this->where(),
                   "image_data_param.source (the list file) is not set");
  CAFFE_ENFORCE_AS(ParseError, (p.new_height() == 0) == (p.new_width() == 0), this->where(),
                   "set both new_height and new_width, or neither (got ", p.new_height(), " and ",
                   p.new_width(), ")");
  CAFFE_ENFORCE_AS(ParseError, p.batch_size() > 0, this->where(), "batch_size must be positive");
  try {
    lines_ = ReadImageList(p.source());
  } catch (const Error& e) {
    CAFFE_THROW_AS(FileError, this->where(), e.what());
  }
  CAFFE_ENFORCE_AS(FileError, !lines_.empty(), this->where(), "list file '", p.source(),
                   "' names no images");
  rng_.seed(Caffe::rng()());
  if (p.shuffle()) Shuffle();
  LOG(INFO) << this->where() << "reading " << lines_.size() << " images listed in " << p.source();
  if (p.rand_skip() > 0) {
    pos_ = static_cast<size_t>(rng_() % p.rand_skip()) % lines_.size();
    LOG(INFO) << this->where() << "skipping the first " << pos_ << " images";
  }
  const cv::Mat first = ReadEntry(pos_);
  vector<int> shape = this->data_transformer_->InferBlobShape(first);
  shape[0] = static_cast<int>(p.batch_size());
  top[0]->Reshape(shape);
  LOG(INFO) << this->where() << "output data size: " << top[0]->shape_string();
  if (this->output_labels_) top[1]->Reshape(vector<int>{static_cast<int>(p.batch_size())});
}

template <typename Dtype>
void ImageDataLayer<Dtype>::load_batch(Batch<Dtype>* batch) {
  const ImageDataParameter& p = this->layer_param_.image_data_param();
  const int batch_size = static_cast<int>(p.batch_size());
  Dtype* label = nullptr;
  if (this->output_labels_) {
    batch->label_.Reshape(vector<int>{batch_size});
    label = batch->label_.mutable_cpu_data();
  }
  vector<int> shape;
  for (int item = 0; item < batch_size; ++item) {
    const cv::Mat img = ReadEntry(pos_);
    vector<int> item_shape = this->data_transformer_->InferBlobShape(img);
    item_shape[0] = batch_size;
    if (item == 0) {
      shape = item_shape;
      batch->data_.Reshape(shape);
    } else if (item_shape != shape) {
      CAFFE_THROW_AS(ShapeError, this->where(), "image ", Describe(pos_), " is ", img.rows,
                     " x ", img.cols, " with ", img.channels(),
                     " channels, unlike the others in its batch; set new_height and new_width "
                     "(or crop_size) so all images have one size");
    }
    Dtype* out = batch->data_.mutable_cpu_data() + batch->data_.offset(item);
    this->data_transformer_->Transform(img, out);
    if (label) label[item] = static_cast<Dtype>(lines_[pos_].label);
    if (++pos_ == lines_.size()) {
      pos_ = 0;
      if (p.shuffle()) Shuffle();
    }
  }
}

INSTANTIATE_CLASS(ImageDataLayer);
REGISTER_LAYER_CLASS(ImageData);

}  // namespace caffe
