#pragma once
// The systemd notification protocol (sd_notify(3)), without libsystemd: datagrams of
// "KEY=VALUE\n" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' at its start means
// an abstract socket name). When aotfd is not started by systemd the variable is unset and every
// call does nothing.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace aotf::shm {
class Segment;
}

namespace aotf::host {

class Supervisor;

class SystemdNotifier {
public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then removes them from the environment
  // so the container processes started later do not speak for the daemon. Call it before any
  // thread starts (it changes the environment).
  static SystemdNotifier from_environment();
  SystemdNotifier() = default;  // inactive
  SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog);

  [[nodiscard]] bool active() const noexcept { return !socket_.empty(); }
  // How often WATCHDOG=1 is due: half of WATCHDOG_USEC; empty when systemd set no watchdog for us.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_period() const noexcept { return watchdog_period_; }
  // Sends one datagram ("READY=1", "STATUS=...", several lines joined by '\n'). Thread-safe.
  // False when it could not be sent; systemd being absent or gone never stops the daemon.
  bool notify(std::string_view state);

private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_period_;
  std::mutex mutex_;
};

// What the host tells systemd while it runs. The host's signal loop calls tick() every few
// hundred milliseconds: READY=1 once every planned worker runs and is ready (a worker of a
// procedure registered with reports_ready counts only once it called StageContext::ready(), e.g.
// the HTTP server once it listens); STATUS= with a one-line summary whenever it changed, checked
// every `status_period`; WATCHDOG=1 every half WATCHDOG_USEC while the host is healthy, i.e. its
// loop runs and no container is in quarantine (a quarantined container makes systemd restart the
// whole service, after which every container starts afresh).
class DaemonNotifications {
public:
  DaemonNotifications(SystemdNotifier& notifier, shm::Segment& segment, Supervisor* supervisor,
                      std::size_t planned_workers,
                      std::chrono::milliseconds status_period = std::chrono::seconds(2));

  void tick();
  // Around SIGHUP and the `reload` command: RELOADING=1 first, READY=1 (and a fresh STATUS=) after.
  void reloading();
  void reloaded();
  // The daemon leaves its loop: STOPPING=1.
  void stopping();

private:
  // The one-line summary sent as STATUS=; called with mutex_ held (it updates quarantined_).
  [[nodiscard]] std::string summary();

  SystemdNotifier& notifier_;
  shm::Segment& segment_;
  Supervisor* supervisor_;
  std::size_t planned_;
  std::chrono::milliseconds status_period_;
  std::mutex mutex_;
  bool ready_sent_ = false;
  std::string last_status_;
  std::chrono::steady_clock::time_point next_status_{};
  std::chrono::steady_clock::time_point next_watchdog_{};
  std::size_t quarantined_ = 0;
};

}  // namespace aotf::host
