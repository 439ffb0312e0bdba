// Which CPU engine a layer runs on. Every `engine` field of caffe.proto shares the values
// DEFAULT = 0, CAFFE = 1, CUDNN = 2, DNNL = 4: DEFAULT (and CUDNN, a GPU engine, on the
// CPU) follow Caffe::default_cpu_engine(); CAFFE forces the portable passes; DNNL asks
// for oneDNN. oneDNN computes in float only, so double nets always use the portable passes.
#pragma once

#include <string>
#include <type_traits>

#include "caffe/common.hpp"

namespace caffe {

constexpr int kEngineDefault = 0, kEngineCaffe = 1, kEngineCudnn = 2, kEngineDnnl = 4;

template <typename Dtype>
bool use_dnnl_engine(int requested, const std::string& where) {
  CAFFE_ENFORCE_AS(ParseError, requested != kEngineDnnl || Caffe::dnnl_built(), where,
                   "engine: DNNL, but this build has no oneDNN (install libdnnl-dev and rebuild)");
  if (!std::is_same<Dtype, float>::value || !Caffe::dnnl_built()) return false;
  if (requested == kEngineDnnl) return true;
  if (requested == kEngineCaffe) return false;
  return Caffe::default_cpu_engine() == Caffe::ENGINE_DNNL;
}

}  // namespace caffe
