#include "caffe/syncedmem.hpp"

#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>

namespace caffe {

namespace {
std::atomic<size_t> host_bytes_in_use{0};

// The cgroup memory limit (v2 memory.max, else v1 memory.limit_in_bytes), or 0 for none.
uint64_t cgroup_memory_limit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    uint64_t value = 0;
    if (in >> value) return value;  // "max" (no limit) does not parse
  }
  return 0;
}

size_t padded(size_t size) { return ((size + 63) / 64) * 64; }

void* host_alloc(size_t size) {
  // 64-byte alignment suits AVX-512 loads; a zero-byte blob still gets a valid pointer.
  const size_t bytes = size ? padded(size) : 64;
  const size_t limit = HostMemoryLimit(), in_use = HostMemoryInUse();
  if (bytes < size || bytes > limit || in_use > limit - bytes) {
    CAFFE_THROW_AS(MemoryError, "cannot allocate ", size, " bytes: with the ", in_use,
                   " bytes that blobs already hold that is more than the ", limit,
                   " bytes of memory this process can have (RAM + swap, or its resource limit)");
  }
  void* ptr = std::aligned_alloc(64, bytes);
  if (!ptr) {
    CAFFE_THROW_AS(MemoryError, "out of memory allocating ", size, " bytes (blobs already hold ",
                   in_use, " bytes)");
  }
  host_bytes_in_use += bytes;
  return ptr;
}

void host_free(void* ptr, size_t size) {
  std::free(ptr);
  host_bytes_in_use -= size ? padded(size) : 64;
}

#ifdef USE_CUDA
int current_device() {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

// Makes `device` current for the guard's lifetime (no-op when it already is).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    const int current = current_device();
    if (device >= 0 && device != current) {
      CUDA_CHECK(cudaSetDevice(device));
      previous_ = current;
    }
  }
  ~DeviceGuard() {
    if (previous_ >= 0 && cudaSetDevice(previous_) != cudaSuccess) cudaGetLastError();
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};
#endif
}  // namespace

size_t HostMemoryLimit() {
  uint64_t limit = UINT64_MAX;
  struct sysinfo info;
  if (sysinfo(&info) == 0) {
    const uint64_t unit = info.mem_unit ? info.mem_unit : 1;
    const uint64_t swap = uint64_t(info.totalswap) * unit;
    limit = uint64_t(info.totalram) * unit + swap;
    static const uint64_t cgroup = cgroup_memory_limit();  // fixed for the process's life
    if (cgroup > 0 && cgroup < UINT64_MAX - swap) limit = std::min(limit, cgroup + swap);
  }
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    struct rlimit rl;
    if (getrlimit(resource, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
      limit = std::min<uint64_t>(limit, rl.rlim_cur);
  }
  return static_cast<size_t>(std::min<uint64_t>(limit, SIZE_MAX));
}

size_t HostMemoryInUse() { return host_bytes_in_use.load(std::memory_order_relaxed); }

SyncedMemory::~SyncedMemory() {
  free_cpu();
  free_gpu();
}

void SyncedMemory::free_cpu() {
  if (cpu_ptr_ && own_cpu_data_) host_free(cpu_ptr_, size_);
  cpu_ptr_ = nullptr;
  own_cpu_data_ = false;
}

void SyncedMemory::free_gpu() noexcept {
#ifdef USE_CUDA
  if (gpu_ptr_ && own_gpu_data_) {
    // Freed on its own device. Statuses are ignored (and cleared): at process exit the
    // runtime may be unloading, and nothing can be reported from a destructor.
    int current = -1;
    const bool switch_device = cudaGetDevice(&current) == cudaSuccess && device_ >= 0 &&
                               current != device_ && cudaSetDevice(device_) == cudaSuccess;
    if (cudaFree(gpu_ptr_) != cudaSuccess) cudaGetLastError();
    if (switch_device && cudaSetDevice(current) != cudaSuccess) cudaGetLastError();
  }
#endif
  gpu_ptr_ = nullptr;
  own_gpu_data_ = false;
  device_ = -1;
}

void SyncedMemory::check_device(const char* access) const {
#ifdef USE_CUDA
  if (device_ < 0) return;
  const int current = current_device();
  CAFFE_ENFORCE_AS(DeviceError, current == device_, access, ": this memory (", size_,
                   " bytes) was allocated on CUDA device ", device_, ", but device ", current,
                   " is current in this thread; select device ", device_,
                   " (caffe.set_device / Caffe::set_device) before using it, or build the "
                   "net again after changing device");
#else
  (void)access;
#endif
}

void SyncedMemory::to_cpu() {
  switch (head_) {
    case UNINITIALIZED:
      cpu_ptr_ = host_alloc(size_);
      std::memset(cpu_ptr_, 0, size_);
      own_cpu_data_ = true;
      head_ = HEAD_AT_CPU;
      break;
    case HEAD_AT_GPU:
#ifdef USE_CUDA
    {
      if (!cpu_ptr_) {
        cpu_ptr_ = host_alloc(size_);
        own_cpu_data_ = true;
      }
      DeviceGuard on_its_device(device_);
      CUDA_CHECK(cudaMemcpy(cpu_ptr_, gpu_ptr_, size_, cudaMemcpyDeviceToHost));
      head_ = SYNCED;
    }
#else
      NO_GPU;
#endif
      break;
    case HEAD_AT_CPU:
    case SYNCED:
      break;
  }
}

void SyncedMemory::to_gpu() {
#ifdef USE_CUDA
  if (head_ == UNINITIALIZED || (head_ == HEAD_AT_CPU && !gpu_ptr_)) {
    void* ptr = nullptr;
    CUDA_CHECK(cudaMalloc(&ptr, size_ ? size_ : 1));
    gpu_ptr_ = ptr;
    own_gpu_data_ = true;
    device_ = current_device();
  } else {
    check_device("device access to a blob");
  }
  switch (head_) {
    case UNINITIALIZED:
      CUDA_CHECK(cudaMemset(gpu_ptr_, 0, size_));
      head_ = HEAD_AT_GPU;
      break;
    case HEAD_AT_CPU:
      CUDA_CHECK(cudaMemcpy(gpu_ptr_, cpu_ptr_, size_, cudaMemcpyHostToDevice));
      head_ = SYNCED;
      break;
    case HEAD_AT_GPU:
    case SYNCED:
      break;
  }
#else
  NO_GPU;
#endif
}

const void* SyncedMemory::cpu_data() {
  to_cpu();
  return cpu_ptr_;
}

// The head is written only when it changes: threads that take turns on a net may each
// ask for a view of a buffer already on the host (pycaffe's blob.data) while another one
// computes with it, and a write of the same value would still be a data race (TSan).
void* SyncedMemory::mutable_cpu_data() {
  to_cpu();
  if (head_ != HEAD_AT_CPU) head_ = HEAD_AT_CPU;
  return cpu_ptr_;
}

void SyncedMemory::set_cpu_data(void* data) {
  CAFFE_ASSERT(data != nullptr);
  free_cpu();
  cpu_ptr_ = data;
  head_ = HEAD_AT_CPU;
  own_cpu_data_ = false;
}

const void* SyncedMemory::gpu_data() {
  to_gpu();
  return gpu_ptr_;
}

void* SyncedMemory::mutable_gpu_data() {
  to_gpu();
  if (head_ != HEAD_AT_GPU) head_ = HEAD_AT_GPU;
  return gpu_ptr_;
}

void SyncedMemory::set_gpu_data(void* data) {
#ifdef USE_CUDA
  CAFFE_ASSERT(data != nullptr);
  cudaPointerAttributes attributes;
  CUDA_CHECK(cudaPointerGetAttributes(&attributes, data));
  CAFFE_ENFORCE_AS(DeviceError, attributes.type == cudaMemoryTypeDevice ||
                   attributes.type == cudaMemoryTypeManaged,
                   "set_gpu_data: the pointer given is not CUDA device memory");
  free_gpu();
  gpu_ptr_ = data;
  device_ = attributes.device;
  head_ = HEAD_AT_GPU;
  own_gpu_data_ = false;
#else
  (void)data;
  NO_GPU;
#endif
}

}  // namespace caffe
