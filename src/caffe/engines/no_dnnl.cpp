// A build without oneDNN (USE_DNNL=OFF): the engine classes exist so that layers compile
// unchanged, but never prepare, so every layer keeps its portable passes.
#ifndef USE_DNNL
#include "caffe/engines/dnnl_convolution.hpp"
#include "caffe/engines/dnnl_lrn.hpp"
#include "caffe/engines/dnnl_pooling.hpp"
#include "caffe/error.hpp"

namespace caffe {

namespace {
[[noreturn]] void unavailable() { CAFFE_THROW("this build has no oneDNN (USE_DNNL=OFF)"); }
}  // namespace

struct DnnlConvolution::Impl {};
DnnlConvolution::DnnlConvolution(std::string where) : where_(std::move(where)) {}
DnnlConvolution::~DnnlConvolution() = default;
bool DnnlConvolution::Prepare(const DnnlConvShape&) { return false; }
void DnnlConvolution::Forward(const float*, const float*, const float*, float*) { unavailable(); }
void DnnlConvolution::BackwardData(const float*, const float*, float*) { unavailable(); }
void DnnlConvolution::BackwardWeights(const float*, const float*, float*, float*) { unavailable(); }
std::string DnnlConvolution::implementation() const { return "none"; }

struct DnnlPooling::Impl {};
DnnlPooling::DnnlPooling(std::string where) : where_(std::move(where)) {}
DnnlPooling::~DnnlPooling() = default;
bool DnnlPooling::Prepare(const DnnlPoolShape&) { return false; }
void DnnlPooling::Forward(const float*, float*) { unavailable(); }
void DnnlPooling::Backward(const float*, float*) { unavailable(); }
std::string DnnlPooling::implementation() const { return "none"; }

struct DnnlLRN::Impl {};
DnnlLRN::DnnlLRN(std::string where) : where_(std::move(where)) {}
DnnlLRN::~DnnlLRN() = default;
bool DnnlLRN::Prepare(const DnnlLRNShape&) { return false; }
void DnnlLRN::Forward(const float*, float*) { unavailable(); }
void DnnlLRN::Backward(const float*, const float*, float*) { unavailable(); }
std::string DnnlLRN::implementation() const { return "none"; }

}  // namespace caffe
#endif  // USE_DNNL
