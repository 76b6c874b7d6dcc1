#include "sweep/interrupt.h"

namespace aanet::sweep {
namespace {

volatile sig_atomic_t interrupted = 0;
void OnSignal(int signal) { interrupted = signal; }

}  // namespace

InterruptHandlers::InterruptHandlers() {
  interrupted = 0;
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

InterruptHandlers::~InterruptHandlers() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool Interrupted() { return interrupted != 0; }
int InterruptSignal() { return interrupted; }

}  // namespace aanet::sweep
