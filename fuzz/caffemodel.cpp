// Fuzz target: a binary .caffemodel loaded into a small fixed net the way `caffe test
// -weights`, Net(..., weights=) and net.copy_from do (Net::CopyTrainedLayersFrom on a file:
// the binary parse, the V0/V1 upgrades, matching layers by name, checking shapes, copying
// values), then one forward pass with whatever was loaded.
#include <memory>
#include <string>

#include "caffe/util/io.hpp"
#include "fuzz_common.hpp"

namespace {

// Every kind of parameter blob the loader has to match: a convolution (weights, bias), a
// batch norm (mean, variance, scale factor), a scale with bias, a PReLU, an inner product,
// an embedding; two layers share one name-less parameter by name.
const char* kNet = R"(
name: "fuzz_weights"
layer { name: "data" type: "Input" top: "data" top: "ids"
        input_param { shape { dim: 2 dim: 3 dim: 6 dim: 6 } shape { dim: 2 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "PReLU" bottom: "conv1" top: "conv1" }
layer { name: "ip1" type: "InnerProduct" bottom: "conv1" top: "ip1"
        param { name: "shared_w" } inner_product_param { num_output: 5 } }
layer { name: "ip2" type: "InnerProduct" bottom: "conv1" top: "ip2"
        param { name: "shared_w" } inner_product_param { num_output: 5 } }
layer { name: "embed" type: "Embed" bottom: "ids" top: "embed"
        embed_param { input_dim: 4 num_output: 3 } }
layer { name: "sum" type: "Eltwise" bottom: "ip1" bottom: "ip2" top: "sum" }
)";

caffe::Net<float>* TheNet() {
  static std::unique_ptr<caffe::Net<float>> net = [] {
    caffe::NetParameter param;
    caffe::ParseProtoFromText(kNet, &param, "caffemodel target net");
    param.mutable_state()->set_phase(caffe::TEST);
    return std::make_unique<caffe::Net<float>>(param);
  }();
  return net.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  caffe::Net<float>* net = TheNet();
  const std::string path = fuzz::WriteScratch("weights.caffemodel", data, size);
  fuzz::ExpectOnlyCaffeErrors([&] {
    net->CopyTrainedLayersFrom(path);
    net->Forward();
  });
  return 0;
}
