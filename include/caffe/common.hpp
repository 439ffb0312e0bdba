// Process-wide state: CPU/GPU mode, the selected device, the random generator,
// the solver count, and the CUDA/cuBLAS handles when built with CUDA.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <glog/logging.h>

#include "caffe/error.hpp"

// The version of Caffe this build claims to be (the `caffe` command's --version,
// pycaffe's caffe.__version__), BVLC's last release.
#define CAFFE_VERSION "1.0.0"

#ifdef USE_CUDA
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <curand.h>
#endif

// Instantiates a class template for the two supported element types.
#define INSTANTIATE_CLASS(classname) \
  template class classname<float>;   \
  template class classname<double>

namespace caffe {

using std::shared_ptr;
using std::string;
using std::vector;

// Sets up logging in glog's line format (to stderr) once; called by the tools and pycaffe.
void GlobalInit(int* argc = nullptr, char*** argv = nullptr);

// The spin count idle OpenMP threads use before they sleep, when the user set neither
// OMP_WAIT_POLICY nor GOMP_SPINCOUNT: long enough to catch the next parallel region of a
// pass (layers run them back to back), short enough that a busy machine's cores are not
// spent spinning (libgomp's own default spins 30 times longer; see docs/cpu_engines.md).
constexpr const char* kDefaultSpinCount = "10000";
// For a program's main(), before anything else: applies kDefaultSpinCount (through
// GOMP_SPINCOUNT) and runs the program again from the start, since OpenMP reads its
// settings only when it loads. The user's own settings are kept.
void SetOpenMPDefaultsAndReexec(char** argv);

class Caffe {
 public:
  enum Brew { CPU, GPU };

  static Caffe& Get();
  ~Caffe();  // releases this thread's cuBLAS handle and cuRAND generator

  static Brew mode() { return Get().mode_; }
  // Throws DeviceError when switching to GPU on a build or machine without one.
  static void set_mode(Brew mode);
  // Selects this thread's CUDA device: always calls cudaSetDevice (the runtime's current
  // device may have been changed behind Caffe's back), and releases this thread's cuBLAS
  // handle, cuRAND generator and reduction workspace when the device changes, since they
  // belong to the device they were made on. Memory already allocated stays on its device
  // (SyncedMemory refuses to hand it to kernels while another device is current).
  static void set_device(int device_id);
  static int device() { return Get().device_; }

  // Deterministic mode (process-wide, off by default): GPU passes that would otherwise add
  // with atomics in whatever order the threads arrive -- SpatialTransformer's gradient
  // to U -- sum exactly instead (128-bit fixed point, kernels/fixed_point.hpp), so that
  // every run gives the same bits; the CPU passes do the same arithmetic. It costs 16 bytes
  // of scratch per input element and about twice the backward time of that layer.
  // Everything else is deterministic in either mode.
  static bool deterministic();
  static void set_deterministic(bool on);
  static void DeviceQuery();
  // Number of CUDA devices visible (0 in a CPU-only build or without a driver).
  static int DeviceCount();
  static bool cuda_built();

  // Seeds the process RNG (and cuRAND) so that fillers, dropout and shuffles repeat.
  static void set_random_seed(uint64_t seed);
  static std::mt19937_64& rng() { return Get().rng_; }

  // The CPU engine of layers whose `engine` field is DEFAULT (and of layers that have no
  // such field): DNNL (oneDNN, float nets) where the build has it, else CAFFE (the
  // portable passes, which also run every double net). Process-wide; starts from the
  // CAFFE_ENGINE environment variable (CAFFE or DNNL) when it is set.
  enum CpuEngine { ENGINE_CAFFE, ENGINE_DNNL };
  static CpuEngine default_cpu_engine();
  // Throws Error for DNNL in a build without oneDNN.
  static void set_default_cpu_engine(CpuEngine engine);
  static bool dnnl_built();
  // Parses "CAFFE" / "DNNL" / "DEFAULT" (DEFAULT: the build's best); throws ParseError.
  static CpuEngine parse_cpu_engine(const std::string& name);

  // How many solvers train one net together, and which of them this thread's is. Training
  // on several devices is not implemented yet; the rank offsets a solver's random_seed
  // (seed + rank), as in BVLC, and only rank 0 counts as the root solver.
  static int solver_count() { return Get().solver_count_; }
  static void set_solver_count(int n);
  static int solver_rank() { return Get().solver_rank_; }
  // Throws Error unless 0 <= rank < solver_count().
  static void set_solver_rank(int rank);
  static bool root_solver() { return Get().solver_rank_ == 0; }

#ifdef USE_CUDA
  static cublasHandle_t cublas_handle();
  static curandGenerator_t curand_generator();
  // Device scratch of at least `count` doubles for the GPU reductions (GpuSide::reduce),
  // kept per thread and grown when a call needs more; contents do not survive calls.
  static double* reduction_workspace(size_t count);
#endif

 private:
  Caffe();
  Brew mode_ = CPU;
  int device_ = 0;
  std::mt19937_64 rng_;
  uint64_t seed_ = 0;
  bool seeded_ = false;  // set_random_seed was called (0 is a seed like any other)
  int solver_count_ = 1;
  int solver_rank_ = 0;
#ifdef USE_CUDA
  cublasHandle_t cublas_ = nullptr;
  curandGenerator_t curand_ = nullptr;
  double* workspace_ = nullptr;
  size_t workspace_count_ = 0;
  void ReleaseWorkspace();
#endif
};

#ifdef USE_CUDA
const char* cublasGetErrorString(cublasStatus_t error);
// Reports a failed CUDA call as DeviceError and clears the runtime's last-error state, so
// that a caller who catches the error (say an out-of-memory with a too-large batch) and
// retries finds the runtime usable again.
#define CUDA_CHECK(condition)                                                 \
  do {                                                                        \
    cudaError_t error_ = (condition);                                         \
    if (error_ != cudaSuccess) {                                              \
      cudaGetLastError();                                                     \
      CAFFE_THROW_AS(DeviceError, __FILE__, ":", __LINE__, ": CUDA error: ",  \
                     cudaGetErrorString(error_));                             \
    }                                                                         \
  } while (0)
#define CUBLAS_CHECK(condition)                                               \
  do {                                                                        \
    cublasStatus_t status_ = (condition);                                     \
    if (status_ != CUBLAS_STATUS_SUCCESS)                                     \
      CAFFE_THROW_AS(DeviceError, __FILE__, ":", __LINE__, ": cuBLAS error: ", \
                     ::caffe::cublasGetErrorString(status_));                 \
  } while (0)
#define CURAND_CHECK(condition)                                               \
  do {                                                                        \
    curandStatus_t status_ = (condition);                                     \
    if (status_ != CURAND_STATUS_SUCCESS)                                     \
      CAFFE_THROW_AS(DeviceError, __FILE__, ":", __LINE__, ": cuRAND error ", \
                     static_cast<int>(status_));                              \
  } while (0)
// After a kernel launch: reads and clears the launch error (cudaPeekAtLastError would
// leave it set, failing every later check).
#define CUDA_POST_KERNEL_CHECK CUDA_CHECK(cudaGetLastError())

// Grid-stride loop over n elements inside a kernel.
#define CUDA_KERNEL_LOOP(i, n)                                           \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); \
       i += (int64_t)blockDim.x * gridDim.x)

constexpr int CAFFE_CUDA_NUM_THREADS = 256;
inline int CAFFE_GET_BLOCKS(int64_t n) {
  int64_t blocks = (n + CAFFE_CUDA_NUM_THREADS - 1) / CAFFE_CUDA_NUM_THREADS;
  if (blocks > 65535 * 32) blocks = 65535 * 32;
  return static_cast<int>(blocks < 1 ? 1 : blocks);
}
#endif

// Thrown by the *_gpu entry points of a CPU-only build.
#define NO_GPU CAFFE_THROW_AS(DeviceError, "this build of caffe has no CUDA support (built with USE_CUDA=OFF)")

}  // namespace caffe
