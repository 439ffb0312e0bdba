// Turns SIGINT (Ctrl-C), SIGHUP and SIGTERM into solver actions: while a SignalHandler
// lives, the three signals are caught, and the function from GetActionFunction() -- handed
// to Solver::SetActionFunction -- reports the configured action once per signal.
#pragma once

#include <string>

#include "caffe/solver.hpp"

namespace caffe {

// "stop", "snapshot" or "none"; anything else raises ParseError naming `flag`.
SolverAction::Enum SolverActionFromString(const std::string& name, const std::string& flag);
// "stop", "snapshot" or "none".
const char* SolverActionName(SolverAction::Enum action);

class SignalHandler {
 public:
  SignalHandler(SolverAction::Enum sigint_effect, SolverAction::Enum sighup_effect,
                SolverAction::Enum sigterm_effect = SolverAction::STOP);
  ~SignalHandler();  // puts the previous handlers back
  SignalHandler(const SignalHandler&) = delete;
  SignalHandler& operator=(const SignalHandler&) = delete;
  ActionCallback GetActionFunction();

 private:
  SolverAction::Enum CheckForSignals() const;
  SolverAction::Enum sigint_effect_;
  SolverAction::Enum sighup_effect_;
  SolverAction::Enum sigterm_effect_;
};

}  // namespace caffe
