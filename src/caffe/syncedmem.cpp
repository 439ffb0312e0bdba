#include "caffe/syncedmem.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace caffe {

namespace {
void* host_alloc(size_t size) {
  // 64-byte alignment suits AVX-512 loads; a zero-byte blob still gets a valid pointer.
  size_t bytes = ((size + 63) / 64) * 64;
  void* ptr = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!ptr) CAFFE_THROW("out of host memory allocating ", size, " bytes");
  return ptr;
}
}  // namespace

SyncedMemory::~SyncedMemory() {
  free_cpu();
#ifdef USE_CUDA
  if (gpu_ptr_ && own_gpu_data_) cudaFree(gpu_ptr_);
#endif
}

void SyncedMemory::free_cpu() {
  if (cpu_ptr_ && own_cpu_data_) std::free(cpu_ptr_);
  cpu_ptr_ = nullptr;
  own_cpu_data_ = false;
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
      if (!cpu_ptr_) {
        cpu_ptr_ = host_alloc(size_);
        own_cpu_data_ = true;
      }
      CUDA_CHECK(cudaMemcpy(cpu_ptr_, gpu_ptr_, size_, cudaMemcpyDeviceToHost));
      head_ = SYNCED;
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
  switch (head_) {
    case UNINITIALIZED:
      CUDA_CHECK(cudaMalloc(&gpu_ptr_, size_ ? size_ : 1));
      CUDA_CHECK(cudaMemset(gpu_ptr_, 0, size_));
      own_gpu_data_ = true;
      head_ = HEAD_AT_GPU;
      break;
    case HEAD_AT_CPU:
      if (!gpu_ptr_) {
        CUDA_CHECK(cudaMalloc(&gpu_ptr_, size_ ? size_ : 1));
        own_gpu_data_ = true;
      }
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

void* SyncedMemory::mutable_cpu_data() {
  to_cpu();
  head_ = HEAD_AT_CPU;
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
  head_ = HEAD_AT_GPU;
  return gpu_ptr_;
}

void SyncedMemory::set_gpu_data(void* data) {
#ifdef USE_CUDA
  CAFFE_ASSERT(data != nullptr);
  if (gpu_ptr_ && own_gpu_data_) cudaFree(gpu_ptr_);
  gpu_ptr_ = data;
  head_ = HEAD_AT_GPU;
  own_gpu_data_ = false;
#else
  (void)data;
  NO_GPU;
#endif
}

}  // namespace caffe
