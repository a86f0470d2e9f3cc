#include "runtime/host_log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace aotf::host {

namespace {

std::atomic<bool> g_terminal_gone{false};
std::atomic<bool> g_journal{false};

const char* syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return "<3>";
    case LogLevel::Warning: return "<4>";
    case LogLevel::Info: return "<6>";
    case LogLevel::Debug: return "<7>";
  }
  return "<6>";
}

void sink(LogLevel level, std::string_view component, std::string_view message) {
  if (g_terminal_gone.load(std::memory_order_relaxed)) return;
  static std::mutex mutex;
  const std::string line = format_log_line(g_journal.load(std::memory_order_relaxed), level, component, message);
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

bool stderr_is_journal() noexcept {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream || !*stream) return false;
  unsigned long long device = 0, inode = 0;
  char extra = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &extra) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

std::string format_log_line(bool journal, LogLevel level, std::string_view component, std::string_view message) {
  if (!journal) {
    return "[" + local_timestamp() + "] [" + std::to_string(::getpid()) + "] " + std::string(to_string(level)) + " " +
           std::string(component) + ": " + std::string(message) + "\n";
  }
  // The journal stamps the time itself. The pid stays in the line because the container
  // processes write to the same stream. Every line of a multi-line message carries the priority,
  // or the journal would file the continuation lines at its default priority.
  const std::string prefix =
      std::string(syslog_priority(level)) + "[" + std::to_string(::getpid()) + "] " + std::string(component) + ": ";
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = message.find('\n', start);
    out += prefix;
    out += message.substr(start, end == std::string_view::npos ? end : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

void install_host_log_sink() {
  g_journal.store(stderr_is_journal(), std::memory_order_relaxed);
  set_log_sink(&sink);
}
bool terminal_gone() noexcept { return g_terminal_gone.load(std::memory_order_relaxed); }

}  // namespace aotf::host
