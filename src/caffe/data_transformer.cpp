#include "caffe/data_transformer.hpp"

#include <opencv2/imgproc.hpp>

#include "caffe/util/image_io.hpp"
#include "caffe/util/io.hpp"

namespace caffe {

namespace {

// Checks a raw (not encoded) datum's shape against its payload -- C*H*W bytes or floats --
// and returns C*H*W. Data layers ask for the shape before they allocate a batch, so a
// corrupt record is refused from its header, not after a blob of its claimed size exists.
size_t check_raw_datum(const Datum& datum, const std::string& where) {
  const int C = datum.channels(), H = datum.height(), W = datum.width();
  CAFFE_ENFORCE_AS(ShapeError, C > 0 && H > 0 && W > 0, where, "datum has shape ", C, " x ", H,
                   " x ", W, "; every dimension must be positive");
  const size_t size = static_cast<size_t>(C) * H * W;
  if (!datum.data().empty()) {
    CAFFE_ENFORCE_AS(ShapeError, datum.data().size() == size, where, "datum holds ",
                     datum.data().size(), " bytes; its shape ", C, " x ", H, " x ", W,
                     " needs ", size);
  } else {
    CAFFE_ENFORCE_AS(ShapeError, static_cast<size_t>(datum.float_data_size()) == size, where,
                     "datum holds ", datum.float_data_size(), " floats; its shape ", C, " x ", H,
                     " x ", W, " needs ", size);
  }
  return size;
}

}  // namespace

template <typename Dtype>
DataTransformer<Dtype>::DataTransformer(const TransformationParameter& param, Phase phase,
                                        const std::string& where)
    : param_(param), phase_(phase), where_(where) {
  CAFFE_ENFORCE_AS(ParseError, !(param_.has_mean_file() && param_.mean_value_size() > 0), where_,
                   "transform_param: give mean_file or mean_value, not both");
  CAFFE_ENFORCE_AS(ParseError, !(param_.force_color() && param_.force_gray()), where_,
                   "transform_param: force_color and force_gray cannot both be set");
  if (param_.has_mean_file()) {
    BlobProto proto;
    ReadProtoFromBinaryFile(param_.mean_file(), &proto);
    data_mean_.FromProto(proto);
    if (data_mean_.num_axes() == 4) {
      CAFFE_ENFORCE_AS(ShapeError, data_mean_.shape(0) == 1, where_, "mean_file '",
                       param_.mean_file(), "' holds ", data_mean_.shape(0),
                       " images; expected one (shape 1 x C x H x W)");
      data_mean_.Reshape({data_mean_.shape(1), data_mean_.shape(2), data_mean_.shape(3)});
    }
    CAFFE_ENFORCE_AS(ShapeError, data_mean_.num_axes() == 3, where_, "mean_file '",
                     param_.mean_file(), "' has shape ", data_mean_.shape_string(),
                     "; expected C x H x W or 1 x C x H x W");
  }
  for (float v : param_.mean_value()) mean_values_.push_back(static_cast<Dtype>(v));
  rng_.seed(0);
}

template <typename Dtype>
void DataTransformer<Dtype>::InitRand() {
  rng_.seed(Caffe::rng()());
}

template <typename Dtype>
int DataTransformer<Dtype>::Rand(int n) {
  return static_cast<int>(rng_() % static_cast<uint64_t>(n));
}

template <typename Dtype>
typename DataTransformer<Dtype>::Plan DataTransformer<Dtype>::MakePlan(int channels, int height,
                                                                       int width) {
  const int crop = static_cast<int>(param_.crop_size());
  if (crop > 0) {
    CAFFE_ENFORCE_AS(ShapeError, crop <= height && crop <= width, where_, "crop_size ", crop,
                     " is larger than the ", height, " x ", width, " input image");
  }
  if (!mean_values_.empty()) {
    CAFFE_ENFORCE_AS(ShapeError, mean_values_.size() == 1 ||
                         static_cast<int>(mean_values_.size()) == channels,
                     where_, "transform_param has ", mean_values_.size(),
                     " mean_value entries for an image of ", channels,
                     " channels; give one value or one per channel");
  }
  if (data_mean_.count() > 0) {
    CAFFE_ENFORCE_AS(ShapeError, data_mean_.shape(0) == channels && data_mean_.shape(1) == height &&
                         data_mean_.shape(2) == width,
                     where_, "mean_file '", param_.mean_file(), "' has shape ",
                     data_mean_.shape_string(), " but the input image is ", channels, " x ",
                     height, " x ", width, " (the mean must match the uncropped input)");
  }
  Plan p{0, 0, height, width, false};
  const bool train = phase_ == TRAIN;
  p.mirror = param_.mirror() && train && Rand(2) == 1;
  if (crop > 0) {
    p.out_h = p.out_w = crop;
    p.h_off = train ? Rand(height - crop + 1) : (height - crop) / 2;
    p.w_off = train ? Rand(width - crop + 1) : (width - crop) / 2;
  }
  return p;
}

template <typename Dtype>
template <typename Source>
void DataTransformer<Dtype>::Apply(const Plan& p, int channels, int height, int width,
                                   Source src, Dtype* out) const {
  const Dtype scale = static_cast<Dtype>(param_.scale());
  const Dtype* mean = data_mean_.count() > 0 ? data_mean_.cpu_data() : nullptr;
  for (int c = 0; c < channels; ++c) {
    const Dtype mean_c = mean_values_.empty() ? Dtype(0)
                         : mean_values_[mean_values_.size() == 1 ? 0 : c];
    for (int h = 0; h < p.out_h; ++h) {
      const int in_h = h + p.h_off;
      Dtype* row = out + (static_cast<size_t>(c) * p.out_h + h) * p.out_w;
      for (int w = 0; w < p.out_w; ++w) {
        const int in_w = w + p.w_off;
        Dtype value = static_cast<Dtype>(src(c, in_h, in_w)) - mean_c;
        if (mean) value -= mean[(static_cast<size_t>(c) * height + in_h) * width + in_w];
        row[p.mirror ? p.out_w - 1 - w : w] = value * scale;
      }
    }
  }
}

template <typename Dtype>
cv::Mat DataTransformer<Dtype>::ForceChannels(const cv::Mat& img) const {
  cv::Mat out;
  if (param_.force_gray() && img.channels() == 3) {
    cv::cvtColor(img, out, cv::COLOR_BGR2GRAY);
    return out;
  }
  if (param_.force_color() && img.channels() == 1) {
    cv::cvtColor(img, out, cv::COLOR_GRAY2BGR);
    return out;
  }
  return img;
}

template <typename Dtype>
cv::Mat DataTransformer<Dtype>::Decode(const Datum& datum) const {
  const int color = param_.force_color() ? 1 : param_.force_gray() ? 0 : -1;
  cv::Mat img = DecodeDatumToCVMat(datum, color);
  CAFFE_ENFORCE_AS(ShapeError, img.channels() == 1 || img.channels() == 3, where_,
                   "encoded image has ", img.channels(),
                   " channels; expected 1 or 3 (set force_color or force_gray)");
  return img;
}

template <typename Dtype>
vector<int> DataTransformer<Dtype>::InferBlobShape(const cv::Mat& raw) const {
  const int channels = (param_.force_gray() && raw.channels() == 3) ? 1
                       : (param_.force_color() && raw.channels() == 1) ? 3 : raw.channels();
  const int crop = static_cast<int>(param_.crop_size());
  return {1, channels, crop > 0 ? crop : raw.rows, crop > 0 ? crop : raw.cols};
}

template <typename Dtype>
vector<int> DataTransformer<Dtype>::InferBlobShape(const Datum& datum) const {
  if (datum.encoded()) return InferBlobShape(Decode(datum));
  check_raw_datum(datum, where_);
  const int crop = static_cast<int>(param_.crop_size());
  return {1, datum.channels(), crop > 0 ? crop : datum.height(), crop > 0 ? crop : datum.width()};
}

template <typename Dtype>
void DataTransformer<Dtype>::Transform(const cv::Mat& raw, Dtype* out) {
  CAFFE_ENFORCE_AS(ShapeError, raw.depth() == CV_8U, where_, "expected an 8-bit image");
  const cv::Mat img = ForceChannels(raw);
  const int C = img.channels(), H = img.rows, W = img.cols;
  const Plan plan = MakePlan(C, H, W);
  Apply(plan, C, H, W, [&](int c, int h, int w) { return img.ptr<uchar>(h)[w * C + c]; }, out);
}

template <typename Dtype>
void DataTransformer<Dtype>::Transform(const Datum& datum, Dtype* out) {
  if (datum.encoded()) {
    Transform(Decode(datum), out);
    return;
  }
  check_raw_datum(datum, where_);
  const int C = datum.channels(), H = datum.height(), W = datum.width();
  const Plan plan = MakePlan(C, H, W);
  if (!datum.data().empty()) {
    const uchar* bytes = reinterpret_cast<const uchar*>(datum.data().data());
    Apply(plan, C, H, W,
          [&](int c, int h, int w) { return bytes[(static_cast<size_t>(c) * H + h) * W + w]; }, out);
  } else {
    const float* floats = datum.float_data().data();
    Apply(plan, C, H, W,
          [&](int c, int h, int w) { return floats[(static_cast<size_t>(c) * H + h) * W + w]; }, out);
  }
}

INSTANTIATE_CLASS(DataTransformer);

}  // namespace caffe
