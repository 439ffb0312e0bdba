#include "caffe/util/signal_handler.hpp"

#include <csignal>

namespace caffe {

namespace {

volatile std::sig_atomic_t got_sigint = 0;
volatile std::sig_atomic_t got_sighup = 0;
volatile std::sig_atomic_t got_sigterm = 0;
struct sigaction previous_sigint, previous_sighup, previous_sigterm;
bool installed = false;

void handle_signal(int signal) {
  if (signal == SIGINT) got_sigint = 1;
  if (signal == SIGHUP) got_sighup = 1;
  if (signal == SIGTERM) got_sigterm = 1;
}

}  // namespace

SolverAction::Enum SolverActionFromString(const std::string& name, const std::string& flag) {
  if (name == "stop") return SolverAction::STOP;
  if (name == "snapshot") return SolverAction::SNAPSHOT;
  if (name == "none") return SolverAction::NONE;
  CAFFE_THROW_AS(ParseError, "-", flag, "=", name, ": expected stop, snapshot or none");
}

const char* SolverActionName(SolverAction::Enum action) {
  switch (action) {
    case SolverAction::STOP: return "stop";
    case SolverAction::SNAPSHOT: return "snapshot";
    default: return "none";
  }
}

SignalHandler::SignalHandler(SolverAction::Enum sigint_effect, SolverAction::Enum sighup_effect,
                             SolverAction::Enum sigterm_effect)
    : sigint_effect_(sigint_effect), sighup_effect_(sighup_effect), sigterm_effect_(sigterm_effect) {
  CAFFE_ENFORCE(!installed, "only one SignalHandler may be active at a time");
  struct sigaction action = {};
  action.sa_handler = &handle_signal;
  action.sa_flags = SA_RESTART;
  sigfillset(&action.sa_mask);
  CAFFE_ENFORCE(sigaction(SIGINT, &action, &previous_sigint) == 0, "cannot install the SIGINT handler");
  CAFFE_ENFORCE(sigaction(SIGHUP, &action, &previous_sighup) == 0, "cannot install the SIGHUP handler");
  CAFFE_ENFORCE(sigaction(SIGTERM, &action, &previous_sigterm) == 0, "cannot install the SIGTERM handler");
  got_sigint = got_sighup = got_sigterm = 0;
  installed = true;
}

SignalHandler::~SignalHandler() {
  sigaction(SIGINT, &previous_sigint, nullptr);
  sigaction(SIGHUP, &previous_sighup, nullptr);
  sigaction(SIGTERM, &previous_sigterm, nullptr);
  installed = false;
}

// One signal per call, SIGHUP first, then SIGINT (BVLC's order), then SIGTERM; a signal
// that is still pending is reported at the next call (the next iteration).
SolverAction::Enum SignalHandler::CheckForSignals() const {
  if (got_sighup) {
    got_sighup = 0;
    LOG(INFO) << "Caught SIGHUP; its effect: " << SolverActionName(sighup_effect_);
    return sighup_effect_;
  }
  if (got_sigint) {
    got_sigint = 0;
    LOG(INFO) << "Caught SIGINT (Ctrl-C); its effect: " << SolverActionName(sigint_effect_);
    return sigint_effect_;
  }
  if (got_sigterm) {
    got_sigterm = 0;
    LOG(INFO) << "Caught SIGTERM; its effect: " << SolverActionName(sigterm_effect_);
    return sigterm_effect_;
  }
  return SolverAction::NONE;
}

ActionCallback SignalHandler::GetActionFunction() {
  return [this] { return CheckForSignals(); };
}

}  // namespace caffe
