// SIGINT/SIGTERM while a sweep waits on its workers: caught (not fatal) so
// that the sweep can leave its results consistent before it returns.
#ifndef AANET_SWEEP_INTERRUPT_H_
#define AANET_SWEEP_INTERRUPT_H_

#include <signal.h>

namespace aanet::sweep {

// Catches SIGINT and SIGTERM for its lifetime (without SA_RESTART, so that
// sleeps end early), restoring the earlier handlers after. Not nestable.
class InterruptHandlers {
 public:
  InterruptHandlers();
  ~InterruptHandlers();
  InterruptHandlers(const InterruptHandlers&) = delete;
  InterruptHandlers& operator=(const InterruptHandlers&) = delete;

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

// Whether a signal arrived while InterruptHandlers lived, and which.
bool Interrupted();
int InterruptSignal();

}  // namespace aanet::sweep

#endif  // AANET_SWEEP_INTERRUPT_H_
