#include "caffe/util/dnnl_util.hpp"

#include <cstdlib>
#include <memory>
#include <new>

namespace caffe {
namespace dnnl_util {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

namespace {
struct ScratchBuffer {
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> data;
  size_t bytes = 0;
};
}  // namespace

void* scratch(ScratchSlot slot, size_t bytes) {
  thread_local ScratchBuffer buffers[kScratchSlots];
  ScratchBuffer& b = buffers[slot];
  if (b.bytes < bytes) {
    b.data.reset();  // release first: the old contents are not kept
    const size_t rounded = (bytes + 4095) / 4096 * 4096;
    void* p = std::aligned_alloc(4096, rounded);
    if (!p) throw std::bad_alloc();
    b.data.reset(p);
    b.bytes = rounded;
  }
  return b.data.get();
}

dnnl::primitive_attr scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

Staged::Staged(const dnnl::memory::desc& user, const dnnl::memory::desc& want, ScratchSlot slot,
               bool accumulate)
    : user_desc_(user), want_desc_(want), slot_(slot),
      direct_(!accumulate && user == want), accumulate_(accumulate) {
  user_mem_ = dnnl::memory(user_desc_, cpu_engine(), DNNL_MEMORY_NONE);
  if (!direct_) want_mem_ = dnnl::memory(want_desc_, cpu_engine(), DNNL_MEMORY_NONE);
}

dnnl::memory Staged::in(const float* user) {
  user_mem_.set_data_handle(const_cast<float*>(user));
  if (direct_) return user_mem_;
  want_mem_.set_data_handle(scratch(slot_, want_desc_.get_size()));
  if (!have_to_want_) {
    to_want_pd_ = dnnl::reorder::primitive_desc(cpu_engine(), user_desc_, cpu_engine(),
                                                want_desc_, scratchpad_attr());
    to_want_ = dnnl::reorder(to_want_pd_);
    have_to_want_ = true;
  }
  execute(to_want_, to_want_pd_, {{DNNL_ARG_FROM, user_mem_}, {DNNL_ARG_TO, want_mem_}});
  return want_mem_;
}

dnnl::memory Staged::out(float* user) {
  user_mem_.set_data_handle(user);
  if (direct_) return user_mem_;
  want_mem_.set_data_handle(scratch(slot_, want_desc_.get_size()));
  return want_mem_;
}

void Staged::finish() {
  if (direct_) return;
  if (!have_to_user_) {
    dnnl::primitive_attr attr = scratchpad_attr();
    if (accumulate_) {
      dnnl::post_ops ops;
      ops.append_sum(1.0f);
      attr.set_post_ops(ops);
    }
    to_user_pd_ =
        dnnl::reorder::primitive_desc(cpu_engine(), want_desc_, cpu_engine(), user_desc_, attr);
    to_user_ = dnnl::reorder(to_user_pd_);
    have_to_user_ = true;
  }
  execute(to_user_, to_user_pd_, {{DNNL_ARG_FROM, want_mem_}, {DNNL_ARG_TO, user_mem_}});
}

}  // namespace dnnl_util
}  // namespace caffe
