#include "cli/stop_signals.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace aanet {
namespace {

// Everything the handler reads is a sig_atomic_t or a buffer published by
// flipping `message_index`, since a handler may only touch such state.
volatile sig_atomic_t mode = StopSignals::kFinishStep;
volatile sig_atomic_t received = 0;     // the first signal's number
volatile sig_atomic_t exit_signal = 0;  // set: exit when commits end
volatile sig_atomic_t commit_depth = 0;
constexpr size_t kMessageSize = 1024;
char messages[2][kMessageSize];
volatile sig_atomic_t message_index = 0;

void WriteAll(const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = write(STDERR_FILENO, text, size);
    if (n <= 0) return;
    text += n;
    size -= static_cast<size_t>(n);
  }
}

// Async-signal-safe: write(2) and _exit(2) only.
[[noreturn]] void ExitNow(int signal) {
  const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  const char* message = messages[message_index];
  const char* at = std::strstr(message, "{signal}");
  if (at == nullptr) {
    WriteAll(message, std::strlen(message));
  } else {
    WriteAll(message, static_cast<size_t>(at - message));
    WriteAll(name, std::strlen(name));
    WriteAll(at + 8, std::strlen(at + 8));
  }
  WriteAll("\n", 1);
  _exit(128 + signal);
}

void OnSignal(int signal) {
  const bool exit = mode == StopSignals::kExitNow || received != 0;
  if (received == 0) received = signal;
  if (!exit) return;
  if (commit_depth > 0) {
    exit_signal = signal;
    return;
  }
  ExitNow(signal);
}

}  // namespace

namespace {
struct sigaction old_int = {}, old_term = {};
}  // namespace

StopSignals::StopSignals(Mode m, const std::string& exit_message) {
  mode = m;
  received = 0;
  exit_signal = 0;
  SetExitMessage(exit_message);
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  // One handler at a time: a second signal waits for the first's handler.
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
}

void StopSignals::SetExitMessage(const std::string& message) {
  const int next = 1 - message_index;
  const size_t size = std::min(message.size(), kMessageSize - 1);
  std::memcpy(messages[next], message.data(), size);
  messages[next][size] = '\0';
  message_index = next;
}

void StopSignals::SetMode(Mode m) {
  mode = m;
  if (m == kExitNow && received != 0) {
    if (commit_depth > 0) {
      exit_signal = received;
    } else {
      ExitNow(received);
    }
  }
}

bool StopSignals::Requested() { return received != 0; }
int StopSignals::Signal() { return received; }

std::string StopSignals::SignalName(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return absl::StrCat("signal ", signal);
}

CommitSection::CommitSection() { commit_depth = commit_depth + 1; }

CommitSection::~CommitSection() {
  commit_depth = commit_depth - 1;
  if (commit_depth == 0 && exit_signal != 0) ExitNow(exit_signal);
}

}  // namespace aanet
