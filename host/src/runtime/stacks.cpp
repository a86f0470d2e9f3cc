#include "runtime/stacks.hpp"

#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "aotf/log.hpp"
#include "runtime/throw_trace.hpp"

namespace aotf::host {

namespace {

constexpr int kMaxFrames = 64;
void* g_frames[kMaxFrames];
std::atomic<int> g_count{0};
std::atomic<bool> g_done{false};
std::mutex g_dump_mutex;  // one dump at a time

void on_sigusr2(int) {
  // backtrace() is safe here: it was called once before (see install_stack_handler).
  g_count.store(::backtrace(g_frames, kMaxFrames), std::memory_order_relaxed);
  g_done.store(true, std::memory_order_release);
}

}  // namespace

void install_stack_handler() {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder outside of any signal handler
  struct sigaction action {};
  action.sa_handler = &on_sigusr2;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR2, &action, nullptr);
}

std::size_t append_stacks(const std::filesystem::path& log_dir, const std::vector<ThreadToDump>& threads) {
  std::lock_guard lock(g_dump_mutex);
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  std::ofstream out(log_dir / "stacktrace.log", std::ios::app);
  std::size_t written = 0;
  for (const auto& t : threads) {
    out << "[PID " << ::getpid() << "] " << t.name << " at " << local_timestamp() << ":\n";
    g_done.store(false, std::memory_order_release);
    if (::syscall(SYS_tgkill, ::getpid(), t.tid, SIGUSR2) != 0) {
      out << " (thread " << t.tid << " is gone)\n\n";
      continue;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!g_done.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!g_done.load(std::memory_order_acquire)) {
      out << " (no answer within 1 s)\n\n";
      continue;
    }
    // Skip the handler's own frames (on_sigusr2 and the signal trampoline).
    const int count = g_count.load();
    if (count > 2) out << format_frames(g_frames + 2, count - 2);
    out << "\n";
    ++written;
  }
  return written;
}

}  // namespace aotf::host
