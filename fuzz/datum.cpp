// Fuzz target: one LMDB / LevelDB record as the Data layer reads it: the record's bytes
// parsed as a Datum, the batch shape inferred from it (decoding it when `encoded`), and a
// batch of two copies of it transformed (raw bytes, float_data, or an encoded image that
// OpenCV decodes), as DataLayer::load_batch does. The first input byte picks the
// transform_param (phase, mirror, crop_size, force_color / force_gray, mean_value count);
// the rest is the record.
#include <string>
#include <vector>

#include "caffe/data_transformer.hpp"
// OpenCV's decoders size some buffers from a file's header (a TIFF tile: 125 MB for a
// 200-byte file the fuzzer made), allocate them with operator new and handle a failure
// themselves (imread / imdecode return an empty image); with the default limit the
// sanitizer would report those as out of memory.
#define FUZZ_MAX_ALLOCATION_MB "1536"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  if (size < 1) return 0;
  caffe::Caffe::set_random_seed(1);
  const uint8_t flags = data[0];
  caffe::TransformationParameter tp;
  tp.set_mirror(flags & 2);
  static const int kCrops[] = {0, 1, 2, 5};
  tp.set_crop_size(kCrops[(flags >> 2) & 3]);
  tp.set_force_color(flags & 16);
  tp.set_force_gray(flags & 32);
  static const int kMeans[] = {0, 1, 3, 2};
  for (int i = 0; i < kMeans[(flags >> 6) & 3]; ++i) tp.add_mean_value(10.0f * (i + 1));
  tp.set_scale(0.5f);
  const caffe::Phase phase = (flags & 1) ? caffe::TRAIN : caffe::TEST;
  fuzz::ExpectOnlyCaffeErrors([&] {
    caffe::Datum datum;
    CAFFE_ENFORCE_AS(FileError, datum.ParseFromArray(data + 1, static_cast<int>(size - 1)),
                     "record is not a Datum");
    caffe::DataTransformer<float> transformer(tp, phase, "fuzz: ");
    transformer.InitRand();
    const int batch_size = 2;
    // DataLayerSetUp: the top's shape from the first record.
    std::vector<int> top_shape = transformer.InferBlobShape(datum);
    top_shape[0] = batch_size;
    caffe::Blob<float> top(top_shape);
    // load_batch.
    caffe::Blob<float> batch;
    std::vector<int> shape;
    for (int item = 0; item < batch_size; ++item) {
      if (datum.encoded()) {
        const cv::Mat img = transformer.Decode(datum);
        std::vector<int> item_shape = transformer.InferBlobShape(img);
        item_shape[0] = batch_size;
        if (item == 0) batch.Reshape(shape = item_shape);
        CAFFE_ENFORCE_AS(ShapeError, item_shape == shape, "shape changed");
        transformer.Transform(img, batch.mutable_cpu_data() + batch.offset(item));
      } else {
        std::vector<int> item_shape = transformer.InferBlobShape(datum);
        item_shape[0] = batch_size;
        if (item == 0) batch.Reshape(shape = item_shape);
        CAFFE_ENFORCE_AS(ShapeError, item_shape == shape, "shape changed");
        transformer.Transform(datum, batch.mutable_cpu_data() + batch.offset(item));
      }
    }
  });
  return 0;
}
