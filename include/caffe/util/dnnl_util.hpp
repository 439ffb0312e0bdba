// Plumbing shared by the oneDNN engines (include/caffe/engines/dnnl_*.hpp): the CPU
// engine and stream, per-thread scratch buffers, and Staged tensors that move data
// between Caffe's plain row-major blobs and the blocked layouts oneDNN computes fastest
// in. Only the engines' .cpp files include this (it needs oneDNN's headers).
#pragma once

#include <glog/logging.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>

#include "caffe/error.hpp"

namespace caffe {
namespace dnnl_util {

dnnl::engine& cpu_engine();
// One stream per thread (streams are not thread-safe); CPU work finishes before
// execute() returns with the OpenMP runtime, so no wait is needed between primitives.
dnnl::stream& cpu_stream();

// Per-thread scratch memory, grown on demand and shared by every layer on the thread
// (layers run one after another, so one set of staging buffers serves a whole net).
// Slots are independent: a pass may hold several at once.
// kScratchPad holds the scratchpad oneDNN's kernels need while they run.
enum ScratchSlot { kScratchIn0, kScratchIn1, kScratchOut, kScratchAux, kScratchPad, kScratchSlots };
void* scratch(ScratchSlot slot, size_t bytes);

// Every primitive here is created with this attribute: its scratchpad is ours
// (user-managed, from the calling thread's kScratchPad) instead of oneDNN's global one,
// which oneDNN 2.x ties to the thread that created the primitive (a net built in one
// thread and run in another would use the creating thread's, possibly freed, memory).
dnnl::primitive_attr scratchpad_attr();
// Executes p, whose primitive descriptor is pd, on this thread's stream, passing the
// scratchpad pd asks for.
template <class PD>
void execute(const dnnl::primitive& p, const PD& pd, std::unordered_map<int, dnnl::memory> args) {
  const dnnl::memory::desc md = pd.scratchpad_desc();
  if (md.get_size() > 0) {
    args[DNNL_ARG_SCRATCHPAD] =
        dnnl::memory(md, cpu_engine(), scratch(kScratchPad, md.get_size()));
  }
  p.execute(cpu_stream(), args);
}

using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

inline dnnl::memory::desc plain_desc(const dims& d, tag t) {
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, t);
}
inline dnnl::memory::desc any_desc(const dims& d) {
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, tag::any);
}

// One operand of a primitive: the user's plain buffer and the layout the primitive
// wants. When they agree the primitive reads and writes the user's memory directly;
// otherwise `in` reorders into a scratch buffer and `out` reorders back (or adds back).
class Staged {
 public:
  Staged() = default;
  // accumulate: finish() adds the result to the user's buffer instead of overwriting it
  // (Caffe's parameter gradients accumulate), so the result always goes through scratch.
  Staged(const dnnl::memory::desc& user, const dnnl::memory::desc& want, ScratchSlot slot,
         bool accumulate = false);
  // The primitive's operand, holding the contents of `user` (a read-only input).
  dnnl::memory in(const float* user);
  // The primitive's operand for an output that finish() will deliver to `user`.
  dnnl::memory out(float* user);
  // Delivers the output written since out() to the user's buffer.
  void finish();
  bool direct() const { return direct_; }
  const dnnl::memory::desc& want_desc() const { return want_desc_; }

 private:
  dnnl::memory::desc user_desc_, want_desc_;
  ScratchSlot slot_ = kScratchIn0;
  bool direct_ = true;
  dnnl::memory user_mem_, want_mem_;
  dnnl::reorder to_want_, to_user_;  // created on first use
  dnnl::reorder::primitive_desc to_want_pd_, to_user_pd_;
  bool have_to_want_ = false, have_to_user_ = false, accumulate_ = false;
};

// Runs an engine's set-up `make`; when oneDNN refuses the configuration (it throws),
// logs why, naming `where` and `what`, and returns false so that the layer keeps its
// portable pass.
template <typename F>
bool prepare_or_decline(const std::string& where, const char* what, F make) {
  try {
    return make();
  } catch (const dnnl::error& e) {
    LOG(INFO) << where << "oneDNN declines this " << what << " (" << e.what() << ")";
    return false;
  }
}

// "jit:avx512_core" etc.: the implementation oneDNN chose, for logs and tests.
template <typename PD>
std::string impl_name(const PD& pd) {
  return pd.impl_info_str();
}

}  // namespace dnnl_util
}  // namespace caffe

// Runs a block of oneDNN calls and rethrows oneDNN's errors as caffe::Error with `where`.
#define CAFFE_DNNL_TRY(where, ...)                                                          \
  try {                                                                                     \
    __VA_ARGS__;                                                                            \
  } catch (const dnnl::error& e_) {                                                         \
    CAFFE_THROW((where), "oneDNN failed (", e_.what(), ", status ",                        \
                static_cast<int>(e_.status), ")");                                         \
  }
