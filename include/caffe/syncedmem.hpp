// SyncedMemory: one buffer with a host copy and (in CUDA builds) a device copy,
// copied lazily in whichever direction the next access needs.
//
// The device copy lives on the CUDA device that was current when it was allocated (or,
// for set_gpu_data, the device of the memory given), and device() records it. While
// another device is current, gpu_data() / mutable_gpu_data() refuse with DeviceError
// naming both devices -- a kernel on one device must not be handed another's pointer
// (that happens after Caffe::set_device(k) with a net already built, or in a thread that
// never selected the net's device). Host access works from any current device: copies
// and frees run on the memory's own device.
#pragma once

#include <cstddef>

#include "caffe/common.hpp"

namespace caffe {

// The most host memory this process can hold, in bytes: the machine's RAM plus swap, or
// less where the process's address-space or data limit (RLIMIT_AS, RLIMIT_DATA) or its
// cgroup's memory limit (plus swap) is lower. Nets and host allocations larger than this
// raise MemoryError instead of being attempted: such a request cannot succeed, and trying
// it would push the machine into swap or the out-of-memory killer first.
size_t HostMemoryLimit();
// Host bytes currently held by SyncedMemory buffers (all blobs of the process).
size_t HostMemoryInUse();

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
  // The CUDA device of the device copy; -1 while there is none.
  int device() const { return device_; }

 private:
  void to_cpu();
  void to_gpu();
  void free_cpu();
  void free_gpu() noexcept;
  // Throws DeviceError unless the device copy (if any) is on the current device.
  void check_device(const char* access) const;

  void* cpu_ptr_ = nullptr;
  void* gpu_ptr_ = nullptr;
  size_t size_ = 0;
  SyncedHead head_ = UNINITIALIZED;
  bool own_cpu_data_ = false;
  bool own_gpu_data_ = false;
  int device_ = -1;
};

}  // namespace caffe
