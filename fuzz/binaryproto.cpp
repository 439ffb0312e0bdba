// Fuzz target: a .binaryproto mean file (a BlobProto) as transform_param.mean_file loads it
// (DataTransformer: the binary parse, Blob::FromProto, the shape checks), then one 3 x 6 x 6
// image transformed with it, cropped and mirrored as a TRAIN data layer does.
#include <string>
#include <vector>

#include "caffe/data_transformer.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  caffe::Caffe::set_random_seed(1);
  const std::string path = fuzz::WriteScratch("mean.binaryproto", data, size);
  fuzz::ExpectOnlyCaffeErrors([&] {
    caffe::TransformationParameter tp;
    tp.set_mean_file(path);
    tp.set_crop_size(4);
    tp.set_mirror(true);
    caffe::DataTransformer<float> transformer(tp, caffe::TRAIN, "fuzz: ");
    transformer.InitRand();
    caffe::Datum datum;
    datum.set_channels(3);
    datum.set_height(6);
    datum.set_width(6);
    std::string pixels(3 * 6 * 6, '\0');
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>(i * 7);
    datum.set_data(pixels);
    caffe::Blob<float> out(transformer.InferBlobShape(datum));
    transformer.Transform(datum, out.mutable_cpu_data());
  });
  return 0;
}
