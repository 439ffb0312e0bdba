#include "caffe/filler.hpp"

#include <cmath>
#include <fstream>

#include "caffe/util/math_functions.hpp"

namespace caffe {

namespace {

// fan_in = count / num, fan_out = count / channels, as Caffe defines them for blobs
// shaped (num_output, input, kernel...).
template <typename Dtype>
Dtype variance_scale(const Blob<Dtype>& blob, FillerParameter::VarianceNorm norm) {
  CAFFE_ENFORCE_AS(ShapeError, blob.count() > 0 && blob.num_axes() >= 1,
                   "xavier/msra fillers need a non-empty blob, got shape ", blob.shape_string());
  const int num = blob.shape(0);
  const Dtype fan_in = Dtype(blob.count()) / num;
  const Dtype fan_out = blob.num_axes() > 1 ? Dtype(blob.count()) / blob.shape(1) : Dtype(blob.count());
  switch (norm) {
    case FillerParameter_VarianceNorm_AVERAGE: return (fan_in + fan_out) / Dtype(2);
    case FillerParameter_VarianceNorm_FAN_OUT: return fan_out;
    default: return fan_in;
  }
}

template <typename Dtype>
class ConstantFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    caffe_set(blob->count(), Dtype(this->filler_param_.value()), blob->mutable_cpu_data());
  }
};

template <typename Dtype>
class UniformFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    caffe_rng_uniform<Dtype>(blob->count(), this->filler_param_.min(), this->filler_param_.max(),
                             blob->mutable_cpu_data());
  }
};

template <typename Dtype>
class GaussianFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    Dtype* data = blob->mutable_cpu_data();
    caffe_rng_gaussian<Dtype>(blob->count(), this->filler_param_.mean(), this->filler_param_.std(),
                              data);
    const int sparse = this->filler_param_.sparse();
    if (sparse < 0) return;
    // Keep each weight with probability sparse / fan_in, so each output sees about
    // `sparse` non-zero inputs on average.
    CAFFE_ENFORCE_AS(ShapeError, blob->num_axes() >= 1, "sparse gaussian filler needs a blob with axes");
    const int num_outputs = blob->shape(0);
    const Dtype p = Dtype(sparse) / Dtype(blob->count() / num_outputs);
    std::vector<int> mask(blob->count());
    caffe_rng_bernoulli<Dtype>(blob->count(), std::min(p, Dtype(1)), mask.data());
    for (int i = 0; i < blob->count(); ++i) data[i] *= mask[i];
  }
};

template <typename Dtype>
class PositiveUnitballFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    Dtype* data = blob->mutable_cpu_data();
    caffe_rng_uniform<Dtype>(blob->count(), 0, 1, data);
    const int num = blob->shape(0);
    const int dim = blob->count() / num;
    for (int i = 0; i < num; ++i) {
      Dtype sum = 0;
      for (int j = 0; j < dim; ++j) sum += data[i * dim + j];
      for (int j = 0; j < dim; ++j) data[i * dim + j] /= sum;
    }
  }
};

template <typename Dtype>
class XavierFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    const Dtype n = variance_scale(*blob, this->filler_param_.variance_norm());
    const Dtype scale = std::sqrt(Dtype(3) / n);
    caffe_rng_uniform<Dtype>(blob->count(), -scale, scale, blob->mutable_cpu_data());
  }
};

template <typename Dtype>
class MSRAFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    const Dtype n = variance_scale(*blob, this->filler_param_.variance_norm());
    caffe_rng_gaussian<Dtype>(blob->count(), Dtype(0), std::sqrt(Dtype(2) / n),
                              blob->mutable_cpu_data());
  }
};

// Weights of bilinear upsampling for Deconvolution: a kernel of size 2f - f % 2
// with tent-shaped weights, identical for every (output, input) channel pair.
template <typename Dtype>
class BilinearFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    CAFFE_ENFORCE_AS(ShapeError, blob->num_axes() == 4 && blob->shape(2) == blob->shape(3),
                     "bilinear filler needs a 4-D blob with square kernels, got ",
                     blob->shape_string());
    Dtype* data = blob->mutable_cpu_data();
    const int k = blob->width();
    const Dtype f = std::ceil(k / Dtype(2));
    const Dtype c = (k - 1) / (Dtype(2) * f);
    for (int i = 0; i < blob->count(); ++i) {
      const Dtype x = i % k;
      const Dtype y = (i / k) % k;
      data[i] = (1 - std::fabs(x / f - c)) * (1 - std::fabs(y / f - c));
    }
  }
};

template <typename Dtype>
class FileFiller : public Filler<Dtype> {
 public:
  using Filler<Dtype>::Filler;
  void Fill(Blob<Dtype>* blob) override {
    const std::string& path = this->filler_param_.file();
    CAFFE_ENFORCE_AS(ParseError, !path.empty(), "filler type \"file\" needs a `file:` path");
    std::ifstream in(path);
    CAFFE_ENFORCE_AS(FileError, in.good(), "file filler: cannot open '", path, "'");
    Dtype* data = blob->mutable_cpu_data();
    int n = 0;
    double v;
    while (n < blob->count() && (in >> v)) data[n++] = static_cast<Dtype>(v);
    CAFFE_ENFORCE_AS(FileError, n == blob->count(), "file filler: '", path, "' holds ", n,
                     " number(s) but the blob of shape ", blob->shape_string(), " needs ",
                     blob->count());
    std::string rest;
    CAFFE_ENFORCE_AS(FileError, !(in >> rest), "file filler: '", path, "' holds more than the ",
                     blob->count(), " numbers the blob of shape ", blob->shape_string(),
                     " needs (or a non-number '", rest, "')");
  }
};

}  // namespace

template <typename Dtype>
shared_ptr<Filler<Dtype>> GetFiller(const FillerParameter& param) {
  const std::string& type = param.type();
  if (type == "constant") return std::make_shared<ConstantFiller<Dtype>>(param);
  if (type == "gaussian") return std::make_shared<GaussianFiller<Dtype>>(param);
  if (type == "positive_unitball") return std::make_shared<PositiveUnitballFiller<Dtype>>(param);
  if (type == "uniform") return std::make_shared<UniformFiller<Dtype>>(param);
  if (type == "xavier") return std::make_shared<XavierFiller<Dtype>>(param);
  if (type == "msra") return std::make_shared<MSRAFiller<Dtype>>(param);
  if (type == "bilinear") return std::make_shared<BilinearFiller<Dtype>>(param);
  if (type == "file") return std::make_shared<FileFiller<Dtype>>(param);
  CAFFE_THROW_AS(ParseError, "unknown filler type '", type,
                 "'; known: constant, gaussian, positive_unitball, uniform, xavier, msra, "
                 "bilinear, file");
}

template shared_ptr<Filler<float>> GetFiller<float>(const FillerParameter&);
template shared_ptr<Filler<double>> GetFiller<double>(const FillerParameter&);

}  // namespace caffe
