#include "runtime/host_log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <string>

#include "aotf/log.hpp"

namespace aotf::host {

namespace {

std::atomic<bool> g_terminal_gone{false};

void sink(LogLevel level, std::string_view component, std::string_view message) {
  if (g_terminal_gone.load(std::memory_order_relaxed)) return;
  static std::mutex mutex;
  const std::string line = "[" + local_timestamp() + "] [" + std::to_string(::getpid()) + "] " +
                           std::string(to_string(level)) + " " + std::string(component) + ": " +
                           std::string(message) + "\n";
  std::lock_guard lock(mutex);
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The terminal is gone (EIO after a hang-up, EPIPE): stop writing to it for good.
      g_terminal_gone.store(true, std::memory_order_relaxed);
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

void install_host_log_sink() { set_log_sink(&sink); }
bool terminal_gone() noexcept { return g_terminal_gone.load(std::memory_order_relaxed); }

}  // namespace aotf::host
