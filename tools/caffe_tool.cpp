// Placeholder until the training issue: prints the version and the registered layers.
#include <iostream>

#include "caffe/common.hpp"
#include "caffe/layer_factory.hpp"

int main(int argc, char** argv) {
  try {
    caffe::GlobalInit(&argc, &argv);
    std::cout << "caffe: layers:";
    for (const auto& t : caffe::LayerRegistry<float>::LayerTypeList()) std::cout << " " << t;
    std::cout << "\n";
  } catch (const std::exception& e) {
    std::cerr << "caffe: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
