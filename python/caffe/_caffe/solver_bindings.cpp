// Solvers for float32 and float64, created through the solver registry from a solver
// prototxt. step() and solve() run without the GIL; Ctrl-C in Python stops training at
// the end of the current iteration (as -sigint_effect=stop does for the caffe command)
// and is then raised as KeyboardInterrupt.
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "bindings.hpp"
#include "caffe/sgd_solvers.hpp"
#include "caffe/solver_factory.hpp"

namespace caffe_py {

namespace {

// Holds a Python exception raised by a signal handler while the GIL was released.
struct PendingSignal {
  py::object type, value, trace;
  bool set() const { return static_cast<bool>(type); }
};

// Runs f without the GIL, polling Python's signal handlers once per iteration. The
// solver's lock is taken after the GIL is released (a thread holding the lock may need
// the GIL for a Python layer or callback), and is held while the action function is set,
// so two threads sharing one solver take turns.
template <typename Dtype, typename F>
void run_interruptible(caffe::Solver<Dtype>& solver, F f) {
  auto pending = std::make_shared<PendingSignal>();
  {
    py::gil_scoped_release release;
    std::lock_guard<std::recursive_mutex> lock(solver.run_mutex());
    solver.SetActionFunction([pending] {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() == 0) return caffe::SolverAction::NONE;
      PyObject *type, *value, *trace;
      PyErr_Fetch(&type, &value, &trace);
      pending->type = py::reinterpret_steal<py::object>(type);
      pending->value = py::reinterpret_steal<py::object>(value);
      pending->trace = py::reinterpret_steal<py::object>(trace);
      return caffe::SolverAction::STOP;
    });
    try {
      f();
    } catch (...) {
      solver.SetActionFunction(nullptr);
      throw;
    }
    solver.SetActionFunction(nullptr);
  }
  if (pending->set()) {
    PyErr_Restore(pending->type.release().ptr(), pending->value.release().ptr(),
                  pending->trace.release().ptr());
    throw py::error_already_set();
  }
}

// Solver::add_callback with two Python callables (no arguments): on_start at the start of
// every iteration, on_gradients_ready once the gradients are computed, before the update.
template <typename Dtype>
class PythonSolverCallback : public caffe::Solver<Dtype>::Callback {
 public:
  PythonSolverCallback(py::object on_start, py::object on_gradients_ready)
      : on_start_(python_callback<>(std::move(on_start), "solver callback on_start")),
        on_gradients_ready_(python_callback<>(std::move(on_gradients_ready),
                                              "solver callback on_gradients_ready")) {}
  void on_start() override { on_start_(); }
  void on_gradients_ready() override { on_gradients_ready_(); }

 private:
  std::function<void()> on_start_, on_gradients_ready_;
};

template <typename Dtype>
void bind_solver_dtype(py::module_& m, const std::string& suffix) {
  using SolverT = caffe::Solver<Dtype>;
  py::class_<SolverT, std::shared_ptr<SolverT>>(m, ("Solver" + suffix).c_str())
      .def_property_readonly("net", &SolverT::net)
      .def_property_readonly("test_nets", &SolverT::test_nets)
      .def_property_readonly("iter", &SolverT::iter)
      .def_property_readonly("type", [](const SolverT& s) { return std::string(s.type()); })
      .def_property_readonly("smoothed_loss", &SolverT::smoothed_loss)
      .def_property_readonly("param_bytes", [](const SolverT& s) {
        std::string bytes;
        s.param().SerializeToString(&bytes);
        return py::bytes(bytes);
      })
      .def("step", [](SolverT& s, int iters) { run_interruptible(s, [&] { s.Step(iters); }); },
           py::arg("iters"))
      .def("solve", [](SolverT& s, py::object resume) {
             const std::string file = resume.is_none() ? std::string() : py::str(resume).cast<std::string>();
             run_interruptible(s, [&] { s.Solve(file); });
           }, py::arg("resume_file") = py::none())
      .def("test_all", [](SolverT& s) { run_interruptible(s, [&] { s.TestAll(); }); })
      // The callback object is returned as a capsule that the solver object keeps alive.
      .def("add_callback", [](SolverT& s, py::object on_start, py::object on_gradients_ready) {
        auto* cb = new PythonSolverCallback<Dtype>(std::move(on_start), std::move(on_gradients_ready));
        py::capsule owner(cb, [](void* p) { delete static_cast<PythonSolverCallback<Dtype>*>(p); });
        s.add_callback(cb);
        return owner;
      }, py::arg("on_start"), py::arg("on_gradients_ready"), py::keep_alive<1, 0>())
      .def("apply_update", [](SolverT& s) {
             py::gil_scoped_release release;
             std::lock_guard<std::recursive_mutex> lock(s.run_mutex());
             std::lock_guard<std::recursive_mutex> net_lock(s.net()->run_mutex());
             s.ApplyUpdate();
           })
      .def("snapshot", &SolverT::Snapshot, py::call_guard<py::gil_scoped_release>())
      .def("restore", &SolverT::Restore, py::arg("state_file"), py::call_guard<py::gil_scoped_release>());

  // Reads a solver prototxt; a non-empty `type` overrides the file's solver type.
  m.def(("create_solver" + suffix).c_str(), [](const std::string& path, const std::string& type) {
    caffe::SolverParameter param;
    caffe::ReadSolverParamsFromTextFile(path, &param);
    if (!type.empty()) param.set_type(type);
    py::gil_scoped_release release;
    return std::shared_ptr<SolverT>(caffe::CreateSolver<Dtype>(param));
  }, py::arg("path"), py::arg("type") = "");
}

}  // namespace

void bind_solver(py::module_& m) {
  bind_solver_dtype<float>(m, "_float32");
  bind_solver_dtype<double>(m, "_float64");
  m.def("solver_type_list", [] { return caffe::SolverRegistry<float>::Types(); },
        "Names of every registered solver type.");
}

}  // namespace caffe_py
