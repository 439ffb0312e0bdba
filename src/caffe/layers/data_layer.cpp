#include "caffe/layers/data_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void DataLayer<Dtype>::ReadCurrent(Datum* datum) const {
  CAFFE_ENFORCE_AS(FileError, db_->valid(), this->where(), db_->kind(), " database '",
                   db_->path(), "' is empty");
  CAFFE_ENFORCE_AS(FileError,
                   datum->ParseFromArray(db_->value_data(), static_cast<int>(db_->value_size())),
                   this->where(), "record '", db_->key(), "' of ", db_->kind(), " database '",
                   db_->path(), "' is not a Datum");
}

template <typename Dtype>
void DataLayer<Dtype>::DataLayerSetUp(const vector<Blob<Dtype>*>&,
                                      const vector<Blob<Dtype>*>& top) {
  const DataParameter& p = this->layer_param_.data_param();
  CAFFE_ENFORCE_AS(ParseError, !p.source().empty(), this->where(), "data_param.source is not set");
  CAFFE_ENFORCE_AS(ParseError, p.batch_size() > 0, this->where(),
                   "data_param.batch_size must be positive");
  if (p.force_encoded_color()) {
    this->layer_param_.mutable_transform_param()->set_force_color(true);
    this->data_transformer_.reset(new DataTransformer<Dtype>(
        this->layer_param_.transform_param(), this->phase(), this->where()));
    this->data_transformer_->InitRand();
  }
  try {
    db_ = OpenDBReader(p.backend() == DataParameter::LMDB ? "lmdb" : "leveldb", p.source());
  } catch (const FileError& e) {
    CAFFE_THROW_AS(FileError, this->where(), e.what());
  }
  Datum datum;
  ReadCurrent(&datum);
  if (p.rand_skip() > 0) {
    const unsigned skip = static_cast<unsigned>(Caffe::rng()() % p.rand_skip());
    LOG(INFO) << this->where() << "skipping the first " << skip << " records";
    for (unsigned i = 0; i < skip; ++i) db_->NextWrap();
    ReadCurrent(&datum);
  }
  vector<int> shape = this->data_transformer_->InferBlobShape(datum);
  shape[0] = static_cast<int>(p.batch_size());
  top[0]->Reshape(shape);
  LOG(INFO) << this->where() << "output data size: " << top[0]->shape_string();
  if (this->output_labels_) top[1]->Reshape(vector<int>{static_cast<int>(p.batch_size())});
}

template <typename Dtype>
void DataLayer<Dtype>::load_batch(Batch<Dtype>* batch) {
  const int batch_size = static_cast<int>(this->layer_param_.data_param().batch_size());
  Dtype* label = nullptr;
  if (this->output_labels_) {
    batch->label_.Reshape(vector<int>{batch_size});
    label = batch->label_.mutable_cpu_data();
  }
  Datum datum;
  vector<int> shape;
  for (int item = 0; item < batch_size; ++item) {
    ReadCurrent(&datum);
    if (datum.encoded()) {
      const cv::Mat img = this->data_transformer_->Decode(datum);
      vector<int> item_shape = this->data_transformer_->InferBlobShape(img);
      item_shape[0] = batch_size;
      if (item == 0) batch->data_.Reshape(shape = item_shape);
      LAYER_ENFORCE(item_shape == shape, "record '", db_->key(), "' decodes to ", img.rows, " x ",
                    img.cols, " x ", img.channels(), ", unlike the others in its batch");
      this->data_transformer_->Transform(img, batch->data_.mutable_cpu_data() +
                                                  batch->data_.offset(item));
    } else {
      vector<int> item_shape = this->data_transformer_->InferBlobShape(datum);
      item_shape[0] = batch_size;
      if (item == 0) batch->data_.Reshape(shape = item_shape);
      LAYER_ENFORCE(item_shape == shape, "record '", db_->key(), "' has shape ", datum.channels(),
                    " x ", datum.height(), " x ", datum.width(), ", unlike the others in its batch");
      this->data_transformer_->Transform(datum, batch->data_.mutable_cpu_data() +
                                                    batch->data_.offset(item));
    }
    if (label) label[item] = static_cast<Dtype>(datum.label());
    db_->NextWrap();
  }
}

INSTANTIATE_CLASS(DataLayer);
REGISTER_LAYER_CLASS(Data);

}  // namespace caffe
