#include "runtime/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "aotf/log.hpp"
#include "aotf/shm/pipelines.hpp"
#include "aotf/shm/segment.hpp"
#include "runtime/supervisor.hpp"

namespace aotf::host {

namespace {

std::optional<std::chrono::microseconds> parse_usec(const char* text) {
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || value == 0) return std::nullopt;
  return std::chrono::microseconds(value);
}

std::string monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
                        static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL);
}

}  // namespace

SystemdNotifier SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::optional<std::chrono::microseconds> watchdog = parse_usec(std::getenv("WATCHDOG_USEC"));
  // WATCHDOG_PID names the process the watchdog is for; another pid means it is not us.
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid && std::to_string(::getpid()) != pid) {
    watchdog.reset();
  }
  std::string path = socket ? socket : "";
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return SystemdNotifier(std::move(path), watchdog);
}

SystemdNotifier::SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog)
    : socket_(std::move(socket)) {
  // Only a filesystem path or an abstract name can be reached; anything else (e.g. a vsock
  // address) is ignored, as sd_notify does for what it cannot parse.
  if (socket_.empty() || (socket_[0] != '/' && socket_[0] != '@') ||
      socket_.size() >= sizeof(sockaddr_un::sun_path)) {
    if (!socket_.empty()) log_warning("host", "NOTIFY_SOCKET='" + socket_ + "' is not a Unix socket path: systemd is not notified");
    socket_.clear();
  }
  if (socket_.empty()) return;
  if (watchdog) watchdog_period_ = *watchdog / 2;
}

bool SystemdNotifier::notify(std::string_view state) {
  if (!active()) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  if (socket_[0] == '@') {
    address.sun_path[0] = '\0';  // abstract name: no terminating NUL counted
  } else {
    length += 1;
  }
  std::lock_guard lock(mutex_);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t sent;
  do {
    sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
  } while (sent < 0 && errno == EINTR);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

DaemonNotifications::DaemonNotifications(SystemdNotifier& notifier, shm::Segment& segment, Supervisor* supervisor,
                                         std::size_t planned_workers, std::chrono::milliseconds status_period)
    : notifier_(notifier),
      segment_(segment),
      supervisor_(supervisor),
      planned_(planned_workers),
      status_period_(status_period) {}

std::string DaemonNotifications::summary() {
  std::size_t running = 0, ready = 0;
  for (const auto& w : segment_.workers()) {
    if (w.state == shm::WorkerState::Free || w.state == shm::WorkerState::Stopped) continue;
    ++running;
    if (w.ready) ++ready;
  }
  std::size_t quarantined = 0;
  if (supervisor_) {
    for (const auto& c : supervisor_->containers()) quarantined += c.quarantined ? 1 : 0;
  }
  quarantined_ = quarantined;
  const shm::PipelineCounts counts = shm::pipeline_counts(segment_);
  std::string text;
  if (!ready_sent_) {
    text = "starting: " + std::to_string(ready) + " of " + std::to_string(planned_) + " workers ready";
  } else {
    text = std::to_string(running) + " workers";
    if (ready < running) text += " (" + std::to_string(running - ready) + " not ready)";
  }
  text += ", " + std::to_string(quarantined) + " quarantined, " + std::to_string(counts.processing_user) +
          " user requests processing, " + std::to_string(counts.processing_scan) + " scans, " +
          std::to_string(counts.step_c) + " posts queued";
  return text;
}

void DaemonNotifications::tick() {
  if (!notifier_.active()) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!ready_sent_) {
    std::size_t ready = 0;
    for (const auto& w : segment_.workers()) {
      if (w.state != shm::WorkerState::Free && w.state != shm::WorkerState::Stopped && w.ready) ++ready;
    }
    if (ready >= planned_) {
      ready_sent_ = true;
      last_status_ = summary();
      notifier_.notify("READY=1\nSTATUS=" + last_status_);
      log_info("host", "every worker is ready; told systemd (" + last_status_ + ")");
      next_status_ = now + status_period_;
    }
  }
  if (now >= next_status_) {
    next_status_ = now + status_period_;
    std::string status = summary();
    if (status != last_status_) {
      last_status_ = std::move(status);
      notifier_.notify("STATUS=" + last_status_);
    }
  }
  if (const auto period = notifier_.watchdog_period(); period && now >= next_watchdog_) {
    // The loop that calls tick() runs: the host is alive. A quarantined container is not.
    if (quarantined_ == 0) {
      notifier_.notify("WATCHDOG=1");
      next_watchdog_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(*period);
    }
  }
}

void DaemonNotifications::reloading() {
  if (!notifier_.active()) return;
  notifier_.notify("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec() + "\nSTATUS=reloading the configuration");
}

void DaemonNotifications::reloaded() {
  if (!notifier_.active()) return;
  std::lock_guard lock(mutex_);
  last_status_ = summary();
  // READY=1 ends the reload in systemd's eyes; before the first READY=1 it would also end the
  // start, so it waits for tick() then.
  notifier_.notify(ready_sent_ ? "READY=1\nSTATUS=" + last_status_ : "STATUS=" + last_status_);
}

void DaemonNotifications::stopping() {
  if (!notifier_.active()) return;
  notifier_.notify("STOPPING=1\nSTATUS=stopping");
}

}  // namespace aotf::host
