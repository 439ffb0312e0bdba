// Mode, device, random seed, registry queries, and the exception classes.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "caffe/common.hpp"
#include "caffe/layer_factory.hpp"
#include "caffe/proto/caffe.pb.h"
#include "caffe/syncedmem.hpp"
#include "caffe/util/io.hpp"
#include "caffe/util/math_functions.hpp"
#include "caffe/util/upgrade_proto.hpp"

namespace caffe_py {

namespace {
void set_error(PyObject* type, const char* what) {
  PyErr_SetObject(type, message_str(what).ptr());
}
}  // namespace

void bind_common(py::module_& m) {
  caffe::GlobalInit();
  // Exception classes live for the whole process (deliberately never released).
  static PyObject* base = PyErr_NewException("caffe._caffe.CaffeError", PyExc_RuntimeError, nullptr);
  auto sub = [](const char* name) {
    return PyErr_NewException(name, base, nullptr);
  };
  static PyObject* parse = sub("caffe._caffe.ParseError");
  static PyObject* shape = sub("caffe._caffe.ShapeError");
  static PyObject* file = sub("caffe._caffe.FileError");
  static PyObject* device = sub("caffe._caffe.DeviceError");
  m.attr("CaffeError") = py::handle(base);
  m.attr("ParseError") = py::handle(parse);
  m.attr("ShapeError") = py::handle(shape);
  m.attr("FileError") = py::handle(file);
  m.attr("DeviceError") = py::handle(device);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const caffe::ParseError& e) {
      set_error(parse, e.what());
    } catch (const caffe::ShapeError& e) {
      set_error(shape, e.what());
    } catch (const caffe::FileError& e) {
      set_error(file, e.what());
    } catch (const caffe::DeviceError& e) {
      set_error(device, e.what());
    } catch (const caffe::MemoryError& e) {
      set_error(PyExc_MemoryError, e.what());
    } catch (const caffe::Error& e) {
      set_error(base, e.what());
    } catch (const std::bad_alloc& e) {
      // (pybind11 would raise MemoryError too, with the bare "std::bad_alloc")
      set_error(PyExc_MemoryError, caffe::str_cat("out of memory (", e.what(), ")").c_str());
    }
  });
  // Tried before the one above (the last registered goes first).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const PythonError& e) {
      py::object cause = e.original();
      // KeyboardInterrupt and SystemExit (not Exceptions) go on as they are: Ctrl-C in a
      // Python layer still stops the script.
      if (!cause.is_none() && !PyObject_IsInstance(cause.ptr(), PyExc_Exception)) {
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(cause.ptr())), cause.ptr());
        return;
      }
      py::object exc = py::reinterpret_borrow<py::object>(base)(message_str(e.what()));
      if (!cause.is_none()) PyException_SetCause(exc.ptr(), cause.release().ptr());
      PyErr_SetObject(base, exc.ptr());
    }
  });

  m.def("set_mode_cpu", [] { caffe::Caffe::set_mode(caffe::Caffe::CPU); },
        "Run layers on the CPU (the default).");
  m.def("set_mode_gpu", [] { caffe::Caffe::set_mode(caffe::Caffe::GPU); },
        "Run layers on the GPU; raises DeviceError without CUDA or a device.");
  m.def("set_device", &caffe::Caffe::set_device, py::arg("device_id"),
        "Select the CUDA device; raises DeviceError when it does not exist.");
  m.def("set_deterministic", &caffe::Caffe::set_deterministic, py::arg("on"),
        "Deterministic mode (process-wide, off by default): passes that would add with GPU "
        "atomics in arrival order (SpatialTransformer's gradient to U) add exactly in fixed "
        "point instead, so every run gives the same bits, at some cost in time and memory.");
  m.def("deterministic", &caffe::Caffe::deterministic,
        "True when deterministic mode is on (see set_deterministic).");
  m.def("set_random_seed", [](uint64_t seed) { caffe::Caffe::set_random_seed(seed); },
        py::arg("seed"), "Seed the generator used by fillers, dropout and shuffling.");
  m.def("has_gpu", [] { return caffe::Caffe::cuda_built() && caffe::Caffe::DeviceCount() > 0; },
        "True when this build has CUDA and a device is visible.");
  m.def("cuda_built", &caffe::Caffe::cuda_built, "True when this build has CUDA support.");
  m.def("dnnl_built", &caffe::Caffe::dnnl_built, "True when this build has the oneDNN CPU engine.");
  m.def("set_cpu_engine", [](const std::string& name) {
    caffe::Caffe::set_default_cpu_engine(caffe::Caffe::parse_cpu_engine(name));
  }, py::arg("name"),
        "The CPU engine of layers whose engine field is DEFAULT, for nets built from now on: "
        "'CAFFE' (portable passes), 'DNNL' (oneDNN, float nets) or 'DEFAULT' (the build's best).");
  m.def("cpu_engine", [] {
    return caffe::Caffe::default_cpu_engine() == caffe::Caffe::ENGINE_DNNL ? "DNNL" : "CAFFE";
  }, "The CPU engine layers with engine DEFAULT get: 'CAFFE' or 'DNNL'.");
  m.def("device_count", &caffe::Caffe::DeviceCount);
  m.def("init_log", [](int level, bool to_stderr) {
    FLAGS_minloglevel = level;
    FLAGS_logtostderr = to_stderr;
  }, py::arg("level") = 0, py::arg("stderr") = true,
        "Log messages of this severity and above (0 INFO, 1 WARNING, 2 ERROR) in glog's format, "
        "to stderr (or, with stderr=False, to glog's log files).");
  m.def("log", [](const std::string& message) { LOG(INFO) << message; }, py::arg("message"),
        "Write one INFO line to the Caffe log.");
  m.attr("__version__") = CAFFE_VERSION;
  m.def("mode", [] { return caffe::Caffe::mode() == caffe::Caffe::GPU ? "GPU" : "CPU"; });
  m.def("layer_type_list", [] { return caffe::LayerRegistry<float>::Types(); },
        "Names of every registered layer type.");
  m.def("set_solver_count", &caffe::Caffe::set_solver_count, py::arg("count"),
        "How many solvers train together (at least 1; several devices are not supported yet).");
  m.def("solver_count", &caffe::Caffe::solver_count);
  m.def("set_solver_rank", &caffe::Caffe::set_solver_rank, py::arg("rank"),
        "This process's solver rank, 0 <= rank < solver_count(); it offsets the solver's "
        "random_seed. Raises CaffeError outside that range.");
  m.def("solver_rank", &caffe::Caffe::solver_rank);
  m.def("has_nccl", [] { return false; },
        "False: this build cannot train one net on several GPUs (no NCCL).");
  // Parses prototxt with the C++ parser (the one nets and solvers use) and returns the
  // message serialized, so Python can inspect it with caffe.proto.caffe_pb2.
  m.def("_parse_text", [](const std::string& text, const std::string& kind) {
    std::unique_ptr<google::protobuf::Message> msg;
    if (kind == "net") msg.reset(new caffe::NetParameter);
    else if (kind == "solver") msg.reset(new caffe::SolverParameter);
    else throw py::value_error("kind must be 'net' or 'solver'");
    caffe::ParseProtoFromText(text, msg.get(), "<" + kind + " text>");
    std::string bytes;
    msg->SerializeToString(&bytes);
    return py::bytes(bytes);
  }, py::arg("text"), py::arg("kind") = "net");
  // Upgrades a serialized NetParameter of any Caffe era (V0/V1 layers, legacy inputs) to
  // the current format, as Net does when it loads one (util/upgrade_proto.hpp).
  m.def("_upgrade_net", [](const py::bytes& serialized) {
    caffe::NetParameter param;
    CAFFE_ENFORCE_AS(ParseError, param.ParseFromString(std::string(serialized)),
                     "not a serialized NetParameter");
    caffe::UpgradeNetAsNeeded("net '" + param.name() + "'", &param);
    std::string bytes;
    param.SerializeToString(&bytes);
    return py::bytes(bytes);
  }, py::arg("serialized"));
  // Draws n normal values with the GPU generator (cuRAND) and returns them (tests use it
  // for odd counts and seeding); raises DeviceError without CUDA or a device.
  m.def("_gpu_gaussian", [](int n, double mu, double sigma) {
    std::vector<double> out(n > 0 ? n : 0);
#ifdef USE_CUDA
    caffe::Caffe::set_mode(caffe::Caffe::GPU);
    caffe::SyncedMemory mem(out.size() * sizeof(double));
    caffe::caffe_gpu_rng_gaussian<double>(n, mu, sigma, static_cast<double*>(mem.mutable_gpu_data()));
    const double* host = static_cast<const double*>(mem.cpu_data());
    std::copy(host, host + out.size(), out.begin());
#else
    NO_GPU;
#endif
    return out;
  }, py::arg("n"), py::arg("mu") = 0.0, py::arg("sigma") = 1.0);
  // Free and total device memory in bytes (cudaMemGetInfo) of the current device.
  m.def("_gpu_memory_info", [] {
#ifdef USE_CUDA
    size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    return std::make_pair(free_bytes, total_bytes);
#else
    NO_GPU;
#endif
  });
  // Allocates (and frees) nbytes of device memory through SyncedMemory; raises DeviceError
  // when the device cannot (tests check that the GPU stays usable afterwards).
  m.def("_gpu_try_alloc", [](size_t nbytes) {
#ifdef USE_CUDA
    caffe::SyncedMemory mem(nbytes);
    mem.mutable_gpu_data();
#else
    NO_GPU;
#endif
  }, py::arg("nbytes"));
  // The CUDA runtime's current device of the calling thread, and a cudaSetDevice that
  // bypasses Caffe (as another library in the process would): tests check that
  // caffe.set_device always selects the device.
  m.def("_cuda_current_device", [] {
#ifdef USE_CUDA
    int device = -1;
    CUDA_CHECK(cudaGetDevice(&device));
    return device;
#else
    NO_GPU;
#endif
  });
  m.def("_cuda_set_device_raw", [](int device) {
#ifdef USE_CUDA
    CUDA_CHECK(cudaSetDevice(device));
#else
    (void)device;
    NO_GPU;
#endif
  }, py::arg("device"));
  // One uniform draw from the host generator (tests check that seeding is reproducible).
  m.def("_host_rng_draw", [] { return caffe::caffe_rng_rand(); });
  m.attr("TRAIN") = static_cast<int>(caffe::TRAIN);
  m.attr("TEST") = static_cast<int>(caffe::TEST);
}

}  // namespace caffe_py
