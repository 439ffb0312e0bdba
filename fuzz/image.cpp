// Fuzz target: an image file as the ImageData layer reads it: ReadImageToCVMat (OpenCV's
// imread, color or gray, resized when new_height / new_width are set), the blob shape
// inferred from the image, and the image transformed into a blob (crop, mirror, mean,
// force_color / force_gray), as ImageDataLayer::load_batch does. The first input byte picks
// the settings; the rest is the file.
#include <string>
#include <vector>

#include "caffe/data_transformer.hpp"
#include "caffe/util/image_io.hpp"
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
  const bool is_color = flags & 1;
  const bool resize = flags & 2;
  caffe::TransformationParameter tp;
  tp.set_mirror(flags & 8);
  static const int kCrops[] = {0, 1, 3, 4};
  tp.set_crop_size(kCrops[(flags >> 4) & 3]);
  tp.set_force_gray(flags & 64);
  tp.set_force_color(flags & 128);
  tp.add_mean_value(100.0f);
  const caffe::Phase phase = (flags & 4) ? caffe::TRAIN : caffe::TEST;
  const std::string path = fuzz::WriteScratch("image", data + 1, size - 1);
  fuzz::ExpectOnlyCaffeErrors([&] {
    caffe::DataTransformer<float> transformer(tp, phase, "fuzz: ");
    transformer.InitRand();
    const cv::Mat img = caffe::ReadImageToCVMat(path, resize ? 5 : 0, resize ? 7 : 0, is_color);
    std::vector<int> shape = transformer.InferBlobShape(img);
    caffe::Blob<float> batch(shape);
    transformer.Transform(img, batch.mutable_cpu_data());
  });
  return 0;
}
