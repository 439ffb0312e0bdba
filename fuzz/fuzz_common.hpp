// Shared by the libFuzzer targets of this folder (one target per .cpp; scripts/fuzz builds
// and runs them). What a target treats as a finding:
//   - anything AddressSanitizer or UndefinedBehaviorSanitizer reports (the build makes every
//     report fatal), a leak, a hang (libFuzzer's -timeout), a crash;
//   - any exception other than caffe::Error escaping the library: bad input must be
//     reported as a caffe::Error (ParseError, ShapeError, FileError, ...) that says what
//     was wrong, not as std::out_of_range from deep inside.
// What it refuses before running (returns without calling the library), so that the
// fuzzer spends its time on parsing and set-up rather than on gigabyte allocations or on
// files outside its scratch folder: the limits below. They live here, not in the library.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include "caffe/common.hpp"
#include "caffe/net.hpp"
#include "caffe/proto/caffe.pb.h"

// Sanitizer defaults (the environment's ASAN_OPTIONS / UBSAN_OPTIONS still win). A single
// allocation above max_allocation_size_mb fails (malloc returns null, so the library's own
// out-of-memory error is what the target sees) instead of taking the machine's memory;
// operator new cannot return null, so the sanitizer reports a `new` above it as out of
// memory. A target may set FUZZ_MAX_ALLOCATION_MB before including this file.
#ifndef FUZZ_MAX_ALLOCATION_MB
#define FUZZ_MAX_ALLOCATION_MB "64"
#endif
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=" FUZZ_MAX_ALLOCATION_MB
         ":detect_leaks=1:handle_abort=1:symbolize=1";
}
extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}

namespace fuzz {

// Limits of the targets (not of the library).
constexpr int kMaxLayers = 32;              // layers in one net definition
constexpr int64_t kMaxDim = 1024;           // any one dimension a definition states
constexpr int64_t kMaxShapeElements = 1 << 16;  // the product of one stated shape
constexpr int64_t kMaxNetElements = 1 << 18;    // all blobs and parameters of a net, before running it

// Once per process: quiet logs, one thread, CPU mode, small image limit for OpenCV.
inline void Init() {
  static bool done = false;
  if (done) return;
  done = true;
  caffe::GlobalInit();
  FLAGS_minloglevel = 3;  // glog: nothing below FATAL (the library never logs FATAL)
  omp_set_num_threads(1);
  // OpenCV refuses images with more pixels than this before allocating them.
  setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4194304", 0);
  caffe::Caffe::set_mode(caffe::Caffe::CPU);
}

// A folder of this process's own for the files a target writes: $CAFFE_FUZZ_SCRATCH (made
// by scripts/fuzz) or a new folder under $TMPDIR.
inline const std::string& ScratchDir() {
  static std::string dir = [] {
    if (const char* s = std::getenv("CAFFE_FUZZ_SCRATCH")) {
      std::string d = std::string(s) + "/files-" + std::to_string(getpid());
      mkdir(d.c_str(), 0700);
      return d;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp ? tmp : "/tmp") + "/caffe-fuzz-XXXXXX";
    if (!mkdtemp(&templ[0])) {
      std::perror("mkdtemp");
      std::abort();
    }
    return templ;
  }();
  return dir;
}

// Writes bytes to a file in the scratch folder and returns its path.
inline std::string WriteScratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// Runs f; a caffe::Error is the expected answer to bad input, anything else escapes (and
// libFuzzer reports it).
template <typename F>
void ExpectOnlyCaffeErrors(F&& f) {
  try {
    f();
  } catch (const caffe::Error&) {
  }
}

namespace detail {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Fields that name files: a definition that sets one would make the target read (or, for
// HDF5Output, write) files outside its scratch folder. The file formats have targets of
// their own.
inline bool NamesAFile(const std::string& field) {
  static const std::set<std::string> names = {"source", "mean_file", "meanfile", "file",
                                              "file_name", "shift_file", "root_folder",
                                              "net", "train_net", "test_net", "weights",
                                              "snapshot_prefix", "module"};
  return names.count(field) > 0;
}

// Fields that state a dimension of a blob.
inline bool StatesADimension(const std::string& field) {
  static const std::set<std::string> names = {"dim", "input_dim", "num", "channels", "height",
                                              "width", "batch_size", "new_height", "new_width",
                                              "new_num", "new_channels"};
  return names.count(field) > 0;
}

inline int64_t IntegerAt(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return index < 0 ? r->GetInt32(m, f) : r->GetRepeatedInt32(m, f, index);
    case FieldDescriptor::CPPTYPE_INT64:
      return index < 0 ? r->GetInt64(m, f) : r->GetRepeatedInt64(m, f, index);
    case FieldDescriptor::CPPTYPE_UINT32:
      return index < 0 ? r->GetUInt32(m, f) : r->GetRepeatedUInt32(m, f, index);
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t v = index < 0 ? r->GetUInt64(m, f) : r->GetRepeatedUInt64(m, f, index);
      return v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
    }
    default:
      return 0;
  }
}

inline bool IsInteger(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// Walks every set field of m and its sub-messages.
inline bool WithinLimits(const Message& m) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  const bool is_shape = m.GetDescriptor()->name() == "BlobShape";
  int64_t shape_elements = 1;
  for (const FieldDescriptor* f : fields) {
    if (NamesAFile(f->name()) && f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return false;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i)
          if (!WithinLimits(r->GetRepeatedMessage(m, f, i))) return false;
      } else if (!WithinLimits(r->GetMessage(m, f))) {
        return false;
      }
      continue;
    }
    if (!IsInteger(f) || !StatesADimension(f->name())) continue;
    const int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      const int64_t v = IntegerAt(m, f, f->is_repeated() ? i : -1);
      if (v > kMaxDim) return false;
      if (is_shape && v > 0) {
        shape_elements *= v;
        if (shape_elements > kMaxShapeElements) return false;
      }
    }
  }
  return true;
}

}  // namespace detail

// A net definition the targets may build: at most kMaxLayers layers, no field naming a
// file, no stated dimension above kMaxDim, no stated shape above kMaxShapeElements.
inline bool NetWithinLimits(const caffe::NetParameter& param) {
  if (param.layer_size() + param.layers_size() > kMaxLayers) return false;
  return detail::WithinLimits(param);
}

inline bool SolverWithinLimits(const caffe::SolverParameter& param) {
  if (param.net_param().layer_size() + param.train_net_param().layer_size() > kMaxLayers)
    return false;
  int test_layers = 0;
  for (const auto& n : param.test_net_param()) test_layers += n.layer_size() + n.layers_size();
  if (test_layers > kMaxLayers) return false;
  return detail::WithinLimits(param);
}

// Elements of every blob and parameter of a built net (before anything ran, most of them
// are not allocated yet: blobs allocate on first use).
template <typename Dtype>
int64_t NetElements(const caffe::Net<Dtype>& net) {
  int64_t total = 0;
  for (const auto& b : net.blobs()) total += b->count();
  for (const auto& p : net.params()) total += p->count();
  return total;
}

}  // namespace fuzz
