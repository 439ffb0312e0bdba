#include "caffe/layers/window_data_layer.hpp"

#include <cmath>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "caffe/layer_factory.hpp"
#include "caffe/util/image_io.hpp"
#include "caffe/util/io.hpp"

namespace caffe {

template <typename Dtype>
void WindowDataLayer<Dtype>::ReadWindowFile(const std::string& source) {
  const WindowDataParameter& p = this->layer_param_.window_data_param();
  std::ifstream in(source);
  CAFFE_ENFORCE_AS(FileError, in.good(), this->where(), "cannot open the window file '", source, "'");
  std::string hash;
  int index = 0;
  while (in >> hash >> index) {
    CAFFE_ENFORCE_AS(ParseError, hash == "#", this->where(), "window file '", source,
                     "': expected '# <image index>' before image ", images_.size(), ", got '",
                     hash, "'");
    std::string path;
    int channels = 0, height = 0, width = 0, windows = 0;
    in >> path >> channels >> height >> width >> windows;
    CAFFE_ENFORCE_AS(ParseError, !in.fail() && windows >= 0, this->where(), "window file '",
                     source, "': image block ", index, " is incomplete");
    if (images_.empty()) channels_ = channels;
    const int image = static_cast<int>(images_.size());
    images_.push_back(JoinRoot(p.root_folder(), path));
    for (int i = 0; i < windows; ++i) {
      Window w{image, 0, 0, 0, 0, 0, 0};
      in >> w.label >> w.overlap >> w.x1 >> w.y1 >> w.x2 >> w.y2;
      CAFFE_ENFORCE_AS(ParseError, !in.fail(), this->where(), "window file '", source,
                       "': window ", i, " of image ", index, " is incomplete");
      CAFFE_ENFORCE_AS(ParseError, w.x1 <= w.x2 && w.y1 <= w.y2, this->where(), "window file '",
                       source, "': window ", i, " of image ", index, " has x1 > x2 or y1 > y2");
      if (w.overlap >= p.fg_threshold()) {
        CAFFE_ENFORCE_AS(ParseError, w.label > 0, this->where(), "window file '", source,
                         "': foreground window ", i, " of image ", index, " has class ", w.label,
                         " (foreground classes are > 0)");
        fg_.push_back(w);
      }
      if (w.overlap < p.bg_threshold()) {
        w.label = 0;
        w.overlap = 0;
        bg_.push_back(w);
      }
    }
  }
  CAFFE_ENFORCE_AS(ParseError, in.eof(), this->where(), "window file '", source,
                   "' could not be read past image ", images_.size());
}

template <typename Dtype>
void WindowDataLayer<Dtype>::DataLayerSetUp(const vector<Blob<Dtype>*>&,
                                            const vector<Blob<Dtype>*>& top) {
  const WindowDataParameter& p = this->layer_param_.window_data_param();
  const TransformationParameter& t = this->layer_param_.transform_param();
  CAFFE_ENFORCE_AS(ParseError, !p.source().empty(), this->where(), "window_data_param.source is not set");
  CAFFE_ENFORCE_AS(ParseError, p.batch_size() > 0, this->where(),
                   "window_data_param.batch_size must be positive");
  crop_size_ = static_cast<int>(t.crop_size());
  CAFFE_ENFORCE_AS(ParseError, crop_size_ > 0, this->where(), "transform_param.crop_size must be set");
  CAFFE_ENFORCE_AS(ParseError, 2 * static_cast<int>(p.context_pad()) < crop_size_, this->where(),
                   "context_pad (", p.context_pad(), ") must be less than half of crop_size (",
                   crop_size_, ")");
  CAFFE_ENFORCE_AS(ParseError, p.crop_mode() == "warp" || p.crop_mode() == "square", this->where(),
                   "crop_mode must be \"warp\" or \"square\", got \"", p.crop_mode(), "\"");
  images_.clear();
  fg_.clear();
  bg_.clear();
  ReadWindowFile(p.source());
  const int batch = static_cast<int>(p.batch_size());
  const int num_fg = static_cast<int>(static_cast<float>(batch) * p.fg_fraction());
  CAFFE_ENFORCE_AS(ShapeError, num_fg == 0 || !fg_.empty(), this->where(), "window file '",
                   p.source(), "' has no foreground windows (overlap >= ", p.fg_threshold(), ")");
  CAFFE_ENFORCE_AS(ShapeError, num_fg == batch || !bg_.empty(), this->where(), "window file '",
                   p.source(), "' has no background windows (overlap < ", p.bg_threshold(), ")");
  LOG(INFO) << this->where() << images_.size() << " images, " << fg_.size()
            << " foreground and " << bg_.size() << " background windows";
  channels_ = 3;  // images are read as BGR
  if (p.cache_images()) {
    encoded_.clear();
    for (const std::string& path : images_) encoded_.push_back(ReadFileToString(path));
  }
  CAFFE_ENFORCE_AS(ParseError, !(t.has_mean_file() && t.mean_value_size() > 0), this->where(),
                   "transform_param: give mean_file or mean_value, not both");
  if (t.has_mean_file()) {
    BlobProto proto;
    ReadProtoFromBinaryFile(t.mean_file(), &proto);
    mean_.FromProto(proto);
    if (mean_.num_axes() == 4 && mean_.shape(0) == 1)
      mean_.Reshape({mean_.shape(1), mean_.shape(2), mean_.shape(3)});
    CAFFE_ENFORCE_AS(ShapeError, mean_.num_axes() == 3 && mean_.shape(0) == channels_ &&
                     mean_.shape(1) >= crop_size_ && mean_.shape(2) >= crop_size_, this->where(),
                     "mean_file '", t.mean_file(), "' has shape ", mean_.shape_string(),
                     ", expected 3 channels and at least crop_size x crop_size");
  }
  mean_values_.clear();
  for (float v : t.mean_value()) mean_values_.push_back(static_cast<Dtype>(v));
  CAFFE_ENFORCE_AS(ShapeError, mean_values_.size() <= 1 || mean_values_.size() == 3, this->where(),
                   "transform_param has ", mean_values_.size(), " mean_value entries; give 1 or 3");
  if (mean_values_.size() == 1) mean_values_.assign(3, mean_values_[0]);
  top[0]->Reshape(vector<int>{batch, channels_, crop_size_, crop_size_});
  if (this->output_labels_) top[1]->Reshape(vector<int>{batch});
}

template <typename Dtype>
void WindowDataLayer<Dtype>::load_batch(Batch<Dtype>* batch) {
  const WindowDataParameter& p = this->layer_param_.window_data_param();
  const TransformationParameter& t = this->layer_param_.transform_param();
  const int batch_size = static_cast<int>(p.batch_size());
  const int crop = crop_size_, context_pad = static_cast<int>(p.context_pad());
  const Dtype scale = static_cast<Dtype>(p.scale());
  const bool square = p.crop_mode() == "square";
  batch->data_.Reshape(vector<int>{batch_size, channels_, crop, crop});
  batch->label_.Reshape(vector<int>{batch_size});
  Dtype* data = batch->data_.mutable_cpu_data();
  Dtype* label = batch->label_.mutable_cpu_data();
  caffe_set(batch->data_.count(), Dtype(0), data);
  const int num_fg = static_cast<int>(static_cast<float>(batch_size) * p.fg_fraction());
  const int counts[2] = {batch_size - num_fg, num_fg};
  int item = 0;
  for (int is_fg = 0; is_fg < 2; ++is_fg) {
    const std::vector<Window>& pool = is_fg ? fg_ : bg_;
    for (int k = 0; k < counts[is_fg]; ++k, ++item) {
      const Window& win = pool[Caffe::rng()() % pool.size()];
      const bool mirror = t.mirror() && Caffe::rng()() % 2;
      cv::Mat img;
      if (p.cache_images()) {
        const std::string& bytes = encoded_[win.image];
        img = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1,
                                   const_cast<char*>(bytes.data())), cv::IMREAD_COLOR);
        CAFFE_ENFORCE_AS(FileError, !img.empty(), this->where(), "cannot decode '",
                         images_[win.image], "'");
      } else {
        img = ReadImageToCVMat(images_[win.image], 0, 0, true);
      }
      int x1 = win.x1, y1 = win.y1, x2 = win.x2, y2 = win.y2;
      int pad_w = 0, pad_h = 0;
      cv::Size size(crop, crop);
      if (context_pad > 0 || square) {
        // Grow the window so that, warped to crop x crop, it has context_pad pixels of
        // context on each side; the part outside the image becomes zero padding.
        const double context_scale = double(crop) / double(crop - 2 * context_pad);
        double half_h = (y2 - y1 + 1) / 2.0, half_w = (x2 - x1 + 1) / 2.0;
        const double cx = x1 + half_w, cy = y1 + half_h;
        if (square) half_h = half_w = std::max(half_h, half_w);
        x1 = static_cast<int>(std::round(cx - half_w * context_scale));
        x2 = static_cast<int>(std::round(cx + half_w * context_scale));
        y1 = static_cast<int>(std::round(cy - half_h * context_scale));
        y2 = static_cast<int>(std::round(cy + half_h * context_scale));
        const int unclipped_h = y2 - y1 + 1, unclipped_w = x2 - x1 + 1;
        int px1 = std::max(0, -x1), py1 = std::max(0, -y1);
        int px2 = std::max(0, x2 - img.cols + 1), py2 = std::max(0, y2 - img.rows + 1);
        x1 += px1;
        x2 -= px2;
        y1 += py1;
        y2 -= py2;
        LAYER_ENFORCE(x1 <= x2 && y1 <= y2, "window (", win.x1, ", ", win.y1, ", ", win.x2, ", ",
                      win.y2, ") lies outside image '", images_[win.image], "' (", img.cols, " x ",
                      img.rows, ")");
        const double sx = double(crop) / unclipped_w, sy = double(crop) / unclipped_h;
        size.width = static_cast<int>(std::round((x2 - x1 + 1) * sx));
        size.height = static_cast<int>(std::round((y2 - y1 + 1) * sy));
        px1 = static_cast<int>(std::round(px1 * sx));
        px2 = static_cast<int>(std::round(px2 * sx));
        py1 = static_cast<int>(std::round(py1 * sy));
        pad_h = py1;
        pad_w = mirror ? px2 : px1;  // the padding is mirrored too
        if (pad_h + size.height > crop) size.height = crop - pad_h;
        if (pad_w + size.width > crop) size.width = crop - pad_w;
      }
      LAYER_ENFORCE(x1 >= 0 && y1 >= 0 && x2 < img.cols && y2 < img.rows, "window (", x1, ", ",
                    y1, ", ", x2, ", ", y2, ") does not fit image '", images_[win.image], "' (",
                    img.cols, " x ", img.rows, ")");
      cv::Mat warped;
      if (size.width > 0 && size.height > 0) {
        cv::resize(img(cv::Rect(x1, y1, x2 - x1 + 1, y2 - y1 + 1)), warped, size, 0, 0,
                   cv::INTER_LINEAR);
        if (mirror) cv::flip(warped, warped, 1);
      }
      const int mean_h = mean_.count() ? mean_.shape(1) : 0, mean_w = mean_.count() ? mean_.shape(2) : 0;
      const int mean_off = mean_.count() ? (mean_w - crop) / 2 : 0;
      const Dtype* mean = mean_.count() ? mean_.cpu_data() : nullptr;
      for (int h = 0; h < warped.rows; ++h) {
        const uchar* row = warped.ptr<uchar>(h);
        for (int w = 0; w < warped.cols; ++w) {
          for (int c = 0; c < channels_; ++c) {
            const Dtype pixel = static_cast<Dtype>(row[w * channels_ + c]);
            Dtype m = 0;
            if (mean) {
              m = mean[(c * mean_h + h + mean_off + pad_h) * mean_w + w + mean_off + pad_w];
            } else if (!mean_values_.empty()) {
              m = mean_values_[c];
            }
            data[((int64_t(item) * channels_ + c) * crop + h + pad_h) * crop + w + pad_w] =
                (pixel - m) * scale;
          }
        }
      }
      label[item] = static_cast<Dtype>(win.label);
    }
  }
}

INSTANTIATE_CLASS(WindowDataLayer);
REGISTER_LAYER_CLASS(WindowData);

}  // namespace caffe
