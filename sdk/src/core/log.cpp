#include "aotf/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace aotf {

namespace {

void stderr_sink(LogLevel level, std::string_view component, std::string_view message) {
  static std::mutex mutex;
  std::string line = "[" + local_timestamp() + "] " + std::string(to_string(level)) + " " +
                     std::string(component) + ": " + std::string(message) + "\n";
  std::lock_guard lock(mutex);
  // A terminal that went away (EIO) must never stop the daemon: the line is dropped.
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::atomic<LogSink> g_sink{&stderr_sink};
std::atomic<LogLevel> g_level{LogLevel::Info};

}  // namespace

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "info";
}

std::string local_timestamp() {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  return stamp;
}

void log(LogLevel level, std::string_view component, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  g_sink.load(std::memory_order_acquire)(level, component, message);
}

void set_log_sink(LogSink sink) noexcept { g_sink.store(sink ? sink : &stderr_sink, std::memory_order_release); }
void set_log_level(LogLevel minimum) noexcept { g_level.store(minimum, std::memory_order_relaxed); }
LogLevel log_level() noexcept { return g_level.load(std::memory_order_relaxed); }

}  // namespace aotf
