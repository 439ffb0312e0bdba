#include "caffe/common.hpp"

#include <algorithm>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace caffe {

void SetOpenMPDefaultsAndReexec(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return;
  }
  setenv("GOMP_SPINCOUNT", kDefaultSpinCount, 1);
  execv("/proc/self/exe", argv);
  // Not reached unless exec failed (no /proc): carry on with OpenMP's own default.
}

void GlobalInit(int* argc, char*** argv) {
  static std::once_flag once;
  std::call_once(once, [&] {
    FLAGS_logtostderr = 1;
    FLAGS_colorlogtostderr = 0;
    // glog >= 0.6 prints the year (I20261125 ...); Caffe's log parsers expect I1125.
    FLAGS_log_year_in_prefix = false;
    if (!google::IsGoogleLoggingInitialized()) {
      google::InitGoogleLogging(argc && *argc > 0 ? (*argv)[0] : "caffe");
    }
  });
}

Caffe& Caffe::Get() {
  // One instance per thread, as in Caffe: the mode and handles are per-thread state.
  thread_local Caffe instance;
  return instance;
}

Caffe::Caffe() : rng_(std::random_device{}()) {}

Caffe::~Caffe() {
#ifdef USE_CUDA
  // At process exit the CUDA runtime may already be unloading; then the handles and the
  // workspace went with it. Statuses are ignored: nothing can be reported from a thread's
  // teardown.
  int device = 0;
  if (cudaGetDevice(&device) == cudaErrorCudartUnloading) return;
  cudaGetLastError();
  ReleaseWorkspace();
  if (cublas_) cublasDestroy(cublas_);
  if (curand_) curandDestroyGenerator(curand_);
#endif
}

bool Caffe::cuda_built() {
#ifdef USE_CUDA
  return true;
#else
  return false;
#endif
}

int Caffe::DeviceCount() {
#ifdef USE_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return count;
#else
  return 0;
#endif
}

void Caffe::set_mode(Brew mode) {
  if (mode == GPU) {
    CAFFE_ENFORCE_AS(DeviceError, cuda_built(),
                     "GPU mode requested, but this build of caffe has no CUDA support "
                     "(rebuild with nvcc available and USE_CUDA=ON)");
    CAFFE_ENFORCE_AS(DeviceError, DeviceCount() > 0,
                     "GPU mode requested, but no CUDA device is visible on this machine");
  }
  Get().mode_ = mode;
}

bool Caffe::dnnl_built() {
#ifdef USE_DNNL
  return true;
#else
  return false;
#endif
}

void Caffe::set_solver_count(int n) {
  CAFFE_ENFORCE(n >= 1, "solver count must be at least 1, got ", n);
  CAFFE_ENFORCE(Get().solver_rank_ < n, "solver count ", n, " is not above this solver's rank ",
                Get().solver_rank_, "; lower the rank first");
  Get().solver_count_ = n;
}

void Caffe::set_solver_rank(int rank) {
  CAFFE_ENFORCE(rank >= 0 && rank < Get().solver_count_, "solver rank ", rank,
                " is outside [0, solver count ", Get().solver_count_, ")");
  Get().solver_rank_ = rank;
}

Caffe::CpuEngine Caffe::parse_cpu_engine(const std::string& name) {
  if (name == "CAFFE") return ENGINE_CAFFE;
  if (name == "DNNL") {
    CAFFE_ENFORCE_AS(ParseError, dnnl_built(),
                     "engine DNNL requested, but this build has no oneDNN (rebuild with "
                     "libdnnl-dev installed and USE_DNNL=ON)");
    return ENGINE_DNNL;
  }
  if (name == "DEFAULT" || name.empty()) return dnnl_built() ? ENGINE_DNNL : ENGINE_CAFFE;
  CAFFE_THROW_AS(ParseError, "unknown CPU engine '", name, "': use CAFFE, DNNL or DEFAULT");
}

namespace {
std::atomic<int>& default_engine_slot() {
  static std::atomic<int> slot([] {
    const char* env = std::getenv("CAFFE_ENGINE");
    try {
      return static_cast<int>(Caffe::parse_cpu_engine(env ? env : ""));
    } catch (const Error& e) {
      LOG(WARNING) << "CAFFE_ENGINE=" << env << " ignored: " << e.what();
      return static_cast<int>(Caffe::parse_cpu_engine(""));
    }
  }());
  return slot;
}
}  // namespace

Caffe::CpuEngine Caffe::default_cpu_engine() {
  return static_cast<CpuEngine>(default_engine_slot().load());
}

void Caffe::set_default_cpu_engine(CpuEngine engine) {
  CAFFE_ENFORCE(engine != ENGINE_DNNL || dnnl_built(),
                "engine DNNL requested, but this build has no oneDNN");
  default_engine_slot().store(static_cast<int>(engine));
}

void Caffe::set_device(int device_id) {
  int count = DeviceCount();
  CAFFE_ENFORCE_AS(DeviceError, cuda_built(),
                   "set_device(", device_id, "): this build of caffe has no CUDA support");
  CAFFE_ENFORCE_AS(DeviceError, device_id >= 0 && device_id < count, "set_device(", device_id,
                   "): there are ", count, " CUDA devices on this machine");
#ifdef USE_CUDA
  Caffe& c = Get();
  if (c.device_ != device_id) {
    // The handles and the workspace were made on the old device: release them there.
    c.ReleaseWorkspace();
    if (c.cublas_) cublasDestroy(c.cublas_);
    if (c.curand_) curandDestroyGenerator(c.curand_);
    c.cublas_ = nullptr;
    c.curand_ = nullptr;
  }
  // Always: the runtime's current device is per thread and may differ from device_ (a
  // new thread starts on device 0; other libraries in the process call cudaSetDevice).
  CUDA_CHECK(cudaSetDevice(device_id));
  c.device_ = device_id;
#endif
}

namespace {
std::atomic<bool> deterministic_flag{false};
}  // namespace

bool Caffe::deterministic() { return deterministic_flag.load(); }

void Caffe::set_deterministic(bool on) { deterministic_flag.store(on); }

void Caffe::set_random_seed(uint64_t seed) {
  Caffe& c = Get();
  c.seed_ = seed;
  c.seeded_ = true;
  c.rng_.seed(seed);
#ifdef USE_CUDA
  if (c.curand_) {
    CURAND_CHECK(curandSetPseudoRandomGeneratorSeed(c.curand_, seed));
    CURAND_CHECK(curandSetGeneratorOffset(c.curand_, 0));
  }
#endif
}

void Caffe::DeviceQuery() {
#ifdef USE_CUDA
  int count = DeviceCount();
  CAFFE_ENFORCE_AS(DeviceError, count > 0, "device_query: no CUDA device is visible");
  cudaDeviceProp prop;
  CUDA_CHECK(cudaGetDeviceProperties(&prop, Get().device_));
  LOG(INFO) << "Device id:                     " << Get().device_;
  LOG(INFO) << "Name:                          " << prop.name;
  LOG(INFO) << "Compute capability:            " << prop.major << "." << prop.minor;
  LOG(INFO) << "Total global memory:           " << prop.totalGlobalMem;
  LOG(INFO) << "Multiprocessors:               " << prop.multiProcessorCount;
  LOG(INFO) << "Max threads per block:         " << prop.maxThreadsPerBlock;
  LOG(INFO) << "Shared memory per block:       " << prop.sharedMemPerBlock;
  LOG(INFO) << "Warp size:                     " << prop.warpSize;
#else
  CAFFE_THROW_AS(DeviceError, "device_query: this build of caffe has no CUDA support");
#endif
}

#ifdef USE_CUDA
cublasHandle_t Caffe::cublas_handle() {
  Caffe& c = Get();
  if (!c.cublas_) CUBLAS_CHECK(cublasCreate(&c.cublas_));
  return c.cublas_;
}

curandGenerator_t Caffe::curand_generator() {
  Caffe& c = Get();
  if (!c.curand_) {
    CURAND_CHECK(curandCreateGenerator(&c.curand_, CURAND_RNG_PSEUDO_DEFAULT));
    CURAND_CHECK(curandSetPseudoRandomGeneratorSeed(c.curand_, c.seeded_ ? c.seed_ : c.rng_()));
  }
  return c.curand_;
}

double* Caffe::reduction_workspace(size_t count) {
  Caffe& c = Get();
  if (c.workspace_count_ < count) {
    const size_t grown = std::max(count, 2 * c.workspace_count_);
    c.ReleaseWorkspace();
    CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&c.workspace_), grown * sizeof(double)));
    c.workspace_count_ = grown;
  }
  return c.workspace_;
}

void Caffe::ReleaseWorkspace() {
  // cudaFree waits for the kernels still using it; at process exit the runtime may be
  // gone already, which is harmless here.
  if (workspace_) cudaFree(workspace_);
  workspace_ = nullptr;
  workspace_count_ = 0;
}

const char* cublasGetErrorString(cublasStatus_t error) {
  switch (error) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "unknown cuBLAS status";
  }
}
#endif

}  // namespace caffe
