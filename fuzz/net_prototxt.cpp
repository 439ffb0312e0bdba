// Fuzz target: prototxt text -> NetParameter -> Net (upgrades, rules, splits, every layer's
// set-up) -> one forward and one backward pass. Definitions outside fuzz_common.hpp's
// limits (file names, big shapes, many layers) and built nets with more than
// kMaxNetElements elements are skipped before they allocate or run.
#include <string>

#include "caffe/util/io.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Init();
  caffe::Caffe::set_random_seed(1);
  const std::string text(reinterpret_cast<const char*>(data), size);
  caffe::NetParameter param;
  try {
    caffe::ParseProtoFromText(text, &param, "fuzz input");
  } catch (const caffe::ParseError&) {
    return 0;
  }
  if (!fuzz::NetWithinLimits(param)) return 0;
  fuzz::ExpectOnlyCaffeErrors([&] {
    caffe::Net<float> net(param);
    if (fuzz::NetElements(net) > fuzz::kMaxNetElements) return;
    net.Forward();
    net.Backward();
  });
  return 0;
}
