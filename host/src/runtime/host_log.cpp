#include "runtime/host_log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <string>

#include "aotf/log.hpp"

namespace aotf::host {

namespace {

std::atomic<bool> g_terminal_gone{false};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "info";
}

void sink(LogLevel level, std::string_view component, std::string_view message) {
  if (g_terminal_gone.load(std::memory_order_relaxed)) return;
  static std::mutex mutex;
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  const std::string line = std::string("[") + stamp + "] [" + std::to_string(::getpid()) + "] " + level_name(level) +
                           " " + std::string(component) + ": " + std::string(message) + "\n";
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
