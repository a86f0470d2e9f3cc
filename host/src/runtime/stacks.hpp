#pragma once
// Stacks of running threads, for the `stacks` command. Each thread of this process is asked with
// SIGUSR2 to record its own stack; the result is appended to <log_dir>/stacktrace.log as the
// original did ("[PID p] Procédure <worker> le <date> :" became "[PID p] <worker> at <date>:").

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace aotf::host {

// Installs the SIGUSR2 handler; call once per process before starting workers.
void install_stack_handler();

struct ThreadToDump {
  pid_t tid;
  std::string name;
};

// Appends the stack of each thread (of this process) to stacktrace.log; returns how many were
// written. A thread that does not answer within 1 s is reported as such.
std::size_t append_stacks(const std::filesystem::path& log_dir, const std::vector<ThreadToDump>& threads);

}  // namespace aotf::host
