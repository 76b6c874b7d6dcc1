#include "sweep/backend.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace aanet::sweep {
namespace {

namespace fs = std::filesystem;

class LocalBackend : public WorkerBackend {
 public:
  ~LocalBackend() override { StopAll(); }

  absl::StatusOr<int64_t> Start(const std::string& executable,
                                const std::string& directory) override {
    const std::string log = (fs::path(directory) / "log.txt").string();
    const std::string flag = "--sweep_point=" + directory;
    char* const argv[] = {const_cast<char*>(executable.c_str()),
                          const_cast<char*>(flag.c_str()), nullptr};
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
      return absl::InternalError(absl::StrCat("cannot start a worker for ",
                                              directory, " (fork failed)"));
    }
    if (pid == 0) {
      // Die with the sweep, even if it is killed with SIGKILL. If the parent
      // died before prctl took effect, we have been reparented already.
      if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
        _exit(127);
      }
      // The sweep's own handlers do not survive exec; the mask does.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      // Not through a link planted in the point's directory, and not
      // blocked by a FIFO planted there (O_NONBLOCK: its open fails, and the
      // worker keeps the sweep's streams).
      const int fd =
          open(log.c_str(),
               O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
      execv(executable.c_str(), argv);
      _exit(127);
    }
    running_.insert(pid);
    return pid;
  }

  std::optional<Finished> Poll() override {
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid <= 0) return std::nullopt;
      if (running_.erase(pid) == 0) continue;  // not one of ours
      Finished finished;
      finished.id = pid;
      finished.exited_zero = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      finished.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      return finished;
    }
  }

  OnInterrupt on_interrupt() const override {
    return OnInterrupt::kStopWorkers;
  }

  int StopAll() override {
    const int stopped = static_cast<int>(running_.size());
    for (pid_t pid : running_) kill(pid, SIGTERM);
    // Give them 10 s to go, then force them.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!running_.empty()) {
      for (auto it = running_.begin(); it != running_.end();) {
        const pid_t done = waitpid(*it, nullptr, WNOHANG);
        it = done == *it || (done < 0 && errno == ECHILD) ? running_.erase(it)
                                                          : std::next(it);
      }
      if (running_.empty()) break;
      if (std::chrono::steady_clock::now() > deadline) {
        for (pid_t pid : running_) kill(pid, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return stopped;
  }

 private:
  std::set<pid_t> running_;
};

}  // namespace

std::unique_ptr<WorkerBackend> MakeLocalBackend() {
  return std::make_unique<LocalBackend>();
}

}  // namespace aanet::sweep
