#include "caffe/util/signal_handler.hpp"

#include <csignal>

namespace caffe {

namespace {

volatile std::sig_atomic_t got_sigint = 0;
volatile std::sig_atomic_t got_sighup = 0;
struct sigaction previous_sigint, previous_sighup;
bool installed = false;

void handle_signal(int signal) {
  if (signal == SIGINT) got_sigint = 1;
  if (signal == SIGHUP) got_sighup = 1;
}

}  // namespace

SolverAction::Enum SolverActionFromString(const std::string& name, const std::string& flag) {
  if (name == "stop") return SolverAction::STOP;
  if (name == "snapshot") return SolverAction::SNAPSHOT;
  if (name == "none") return SolverAction::NONE;
  CAFFE_THROW_AS(ParseError, "-", flag, "=", name, ": expected stop, snapshot or none");
}

SignalHandler::SignalHandler(SolverAction::Enum sigint_effect, SolverAction::Enum sighup_effect)
    : sigint_effect_(sigint_effect), sighup_effect_(sighup_effect) {
  CAFFE_ENFORCE(!installed, "only one SignalHandler may be active at a time");
  struct sigaction action = {};
  action.sa_handler = &handle_signal;
  action.sa_flags = SA_RESTART;
  sigfillset(&action.sa_mask);
  CAFFE_ENFORCE(sigaction(SIGINT, &action, &previous_sigint) == 0, "cannot install the SIGINT handler");
  CAFFE_ENFORCE(sigaction(SIGHUP, &action, &previous_sighup) == 0, "cannot install the SIGHUP handler");
  got_sigint = got_sighup = 0;
  installed = true;
}

SignalHandler::~SignalHandler() {
  sigaction(SIGINT, &previous_sigint, nullptr);
  sigaction(SIGHUP, &previous_sighup, nullptr);
  installed = false;
}

SolverAction::Enum SignalHandler::CheckForSignals() const {
  if (got_sigint) {
    got_sigint = 0;
    LOG(INFO) << "Caught SIGINT (Ctrl-C)";
    return sigint_effect_;
  }
  if (got_sighup) {
    got_sighup = 0;
    LOG(INFO) << "Caught SIGHUP";
    return sighup_effect_;
  }
  return SolverAction::NONE;
}

ActionCallback SignalHandler::GetActionFunction() {
  return [this] { return CheckForSignals(); };
}

}  // namespace caffe
