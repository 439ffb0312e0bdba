// SyncedMemory: one buffer with a host copy and (in CUDA builds) a device copy,
// copied lazily in whichever direction the next access needs.
#pragma once

#include <cstddef>

#include "caffe/common.hpp"

namespace caffe {

class SyncedMemory {
 public:
  enum SyncedHead { UNINITIALIZED, HEAD_AT_CPU, HEAD_AT_GPU, SYNCED };

  SyncedMemory() = default;
  explicit SyncedMemory(size_t size) : size_(size) {}
  ~SyncedMemory();
  SyncedMemory(const SyncedMemory&) = delete;
  SyncedMemory& operator=(const SyncedMemory&) = delete;

  const void* cpu_data();
  void* mutable_cpu_data();
  // Points the host side at memory owned elsewhere (it is not freed here).
  void set_cpu_data(void* data);
  const void* gpu_data();
  void* mutable_gpu_data();
  void set_gpu_data(void* data);
  SyncedHead head() const { return head_; }
  size_t size() const { return size_; }

 private:
  void to_cpu();
  void to_gpu();
  void free_cpu();

  void* cpu_ptr_ = nullptr;
  void* gpu_ptr_ = nullptr;
  size_t size_ = 0;
  SyncedHead head_ = UNINITIALIZED;
  bool own_cpu_data_ = false;
  bool own_gpu_data_ = false;
};

}  // namespace caffe
