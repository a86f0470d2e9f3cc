#pragma once
// Container processes: started by exec of aotfd in container mode, watched, failed and restarted.
//
// A container that dies (SIGSEGV, SIGKILL, abort) is noticed within one poll (20 ms): every
// request its workers had declared is failed as the error collector would, its worker slots are
// freed (its locks are robust and recover on the next use), and it is started again after a
// back-off. More than `max_restarts` deaths within `restart_window` put it in quarantine: it stays
// down, and `threads`, the log and the health report say so.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aotf/shm/segment.hpp"
#include "runtime/clock.hpp"
#include "runtime/plan.hpp"

namespace aotf::host {

struct SupervisorSettings {
  std::uint32_t max_restarts = 5;
  std::chrono::milliseconds restart_window{std::chrono::minutes(10)};
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(1)};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(60)};
};

// The restart rule alone, so it can be tested with a fake clock.
class RestartPolicy {
public:
  explicit RestartPolicy(SupervisorSettings settings) : settings_(settings) {}
  struct Decision {
    bool quarantine = false;
    std::chrono::milliseconds delay{0};
    std::uint32_t deaths_in_window = 0;
  };
  // Records a death at `now` and decides: restart after `delay` (doubling from backoff_initial
  // with each death in the window, capped at backoff_max), or quarantine when the deaths in the
  // window exceed max_restarts.
  Decision on_death(Clock::time_point now);

private:
  SupervisorSettings settings_;
  std::deque<Clock::time_point> deaths_;
};

class Supervisor {
public:
  // `command_for` gives the argv (argv[0] = executable) that starts a container in container mode.
  Supervisor(shm::Segment& segment, SupervisorSettings settings, Clock& clock,
             std::function<std::vector<std::string>(const ContainerPlan&)> command_for);
  ~Supervisor();

  // Starts the container now. Throws aotf::Error when the process cannot be created.
  void start(const ContainerPlan& plan);
  // Starts the watcher thread.
  void run();
  // SIGTERM to every container, waits up to `timeout`, then SIGKILL; reaps every child.
  void stop(std::chrono::milliseconds timeout);
  // Sends a signal to every live container.
  void signal_all(int signal);

  struct ContainerInfo {
    std::string name;
    pid_t pid;
    bool alive;
    bool quarantined;
    std::uint32_t restarts;
  };
  [[nodiscard]] std::vector<ContainerInfo> containers();

private:
  struct Container {
    ContainerPlan plan;
    pid_t pid = 0;
    bool alive = false;
    bool quarantined = false;
    std::uint32_t restarts = 0;
    Clock::time_point restart_at{};
    bool restart_pending = false;
    RestartPolicy policy;
  };
  pid_t spawn(const ContainerPlan& plan);
  void watch();
  void on_death(Container& c, int status);

  shm::Segment& segment_;
  SupervisorSettings settings_;
  Clock& clock_;
  std::function<std::vector<std::string>(const ContainerPlan&)> command_for_;
  std::mutex mutex_;
  std::vector<Container> containers_;
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace aotf::host
