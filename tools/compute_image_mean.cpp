// compute_image_mean: the per-pixel mean of the Datum records in an LMDB or LevelDB database,
// written as a binaryproto BlobProto of shape 1 x C x H x W (for transform_param
// mean_file), as BVLC Caffe's tool does.
//   compute_image_mean [-backend=lmdb|leveldb] INPUT_DB [OUTPUT_FILE]
#include <gflags/gflags.h>

#include <iostream>
#include <vector>

#include "caffe/common.hpp"
#include "caffe/util/db.hpp"
#include "caffe/util/image_io.hpp"
#include "caffe/util/io.hpp"

DEFINE_string(backend, "lmdb", "The database backend: lmdb or leveldb");

namespace {

// The record's pixels as C*H*W doubles in CHW order (decoding encoded images).
void datum_values(const caffe::Datum& raw, std::vector<double>* out, int* c, int* h, int* w) {
  caffe::Datum datum;
  const caffe::Datum* d = &raw;
  if (raw.encoded()) {
    caffe::CVMatToDatum(caffe::DecodeDatumToCVMat(raw, -1), &datum);
    d = &datum;
  }
  *c = d->channels();
  *h = d->height();
  *w = d->width();
  const size_t n = static_cast<size_t>(*c) * *h * *w;
  out->resize(n);
  if (!d->data().empty()) {
    CAFFE_ENFORCE_AS(ShapeError, d->data().size() == n, "record holds ", d->data().size(),
                     " bytes for shape ", *c, " x ", *h, " x ", *w);
    for (size_t i = 0; i < n; ++i) (*out)[i] = static_cast<unsigned char>(d->data()[i]);
  } else {
    CAFFE_ENFORCE_AS(ShapeError, static_cast<size_t>(d->float_data_size()) == n,
                     "record holds ", d->float_data_size(), " floats for shape ", *c, " x ", *h,
                     " x ", *w);
    for (size_t i = 0; i < n; ++i) (*out)[i] = d->float_data(static_cast<int>(i));
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    gflags::SetUsageMessage(
        "Computes the mean image of an LMDB or LevelDB database of Datum records.\n"
        "Usage:\n    compute_image_mean [FLAGS] INPUT_DB [OUTPUT_FILE]");
    gflags::ParseCommandLineFlags(&argc, &argv, true);
    caffe::GlobalInit(&argc, &argv);
    if (argc < 2 || argc > 3) {
      gflags::ShowUsageWithFlagsRestrict(argv[0], "tools/compute_image_mean");
      return 1;
    }
    CAFFE_ENFORCE_AS(ParseError, FLAGS_backend == "lmdb" || FLAGS_backend == "leveldb",
                     "-backend=", FLAGS_backend, " is not supported; use lmdb or leveldb");
    std::unique_ptr<caffe::DBReader> reader = caffe::OpenDBReader(FLAGS_backend, argv[1]);
    caffe::DBReader& db = *reader;
    CAFFE_ENFORCE_AS(FileError, db.valid(), db.kind(), " database '", argv[1], "' is empty");
    std::vector<double> sum, values;
    int C = 0, H = 0, W = 0, count = 0;
    caffe::Datum datum;
    LOG(INFO) << "Starting iteration";
    for (; db.valid(); db.Next()) {
      CAFFE_ENFORCE_AS(FileError,
                       datum.ParseFromArray(db.value_data(), static_cast<int>(db.value_size())),
                       "record '", db.key(), "' is not a Datum");
      int c, h, w;
      datum_values(datum, &values, &c, &h, &w);
      if (count == 0) {
        C = c, H = h, W = w;
        sum.assign(values.size(), 0.0);
      }
      CAFFE_ENFORCE_AS(ShapeError, c == C && h == H && w == W, "record '", db.key(),
                       "' is ", c, " x ", h, " x ", w, " but the first record is ", C, " x ", H,
                       " x ", W, "; a mean needs images of one size");
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += values[i];
      if (++count % 1000 == 0) LOG(INFO) << "Processed " << count << " files.";
    }
    LOG(INFO) << "Processed " << count << " files.";
    caffe::BlobProto mean;
    mean.set_num(1);
    mean.set_channels(C);
    mean.set_height(H);
    mean.set_width(W);
    for (double s : sum) mean.add_data(static_cast<float>(s / count));
    if (argc == 3) {
      LOG(INFO) << "Write to " << argv[2];
      caffe::WriteProtoToBinaryFile(mean, argv[2]);
    }
    const size_t plane = static_cast<size_t>(H) * W;
    for (int c = 0; c < C; ++c) {
      double channel = 0;
      for (size_t i = 0; i < plane; ++i) channel += mean.data(static_cast<int>(c * plane + i));
      LOG(INFO) << "mean_value channel [" << c << "]: " << channel / plane;
    }
  } catch (const std::exception& e) {
    std::cerr << "compute_image_mean: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
