// CAFFE_HOST_DEVICE marks per-element math that is compiled both for the CPU loops
// and for the CUDA kernels, so the CPU tests exercise the arithmetic the GPU runs.
#pragma once

#if defined(__CUDACC__)
#define CAFFE_HOST_DEVICE __host__ __device__ __forceinline__
#define CAFFE_DEVICE __device__ __forceinline__
#else
#define CAFFE_HOST_DEVICE inline
#define CAFFE_DEVICE inline
#endif
