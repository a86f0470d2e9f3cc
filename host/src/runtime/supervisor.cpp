#include "runtime/supervisor.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "aotf/error.hpp"
#include "aotf/log.hpp"
#include "runtime/collector.hpp"

extern char** environ;

namespace aotf::host {

RestartPolicy::Decision RestartPolicy::on_death(Clock::time_point now) {
  deaths_.push_back(now);
  while (!deaths_.empty() && now - deaths_.front() > settings_.restart_window) deaths_.pop_front();
  Decision d;
  d.deaths_in_window = static_cast<std::uint32_t>(deaths_.size());
  if (d.deaths_in_window > settings_.max_restarts) {
    d.quarantine = true;
    return d;
  }
  auto delay = settings_.backoff_initial;
  for (std::uint32_t i = 1; i < d.deaths_in_window && delay < settings_.backoff_max; ++i) delay *= 2;
  d.delay = std::min(delay, settings_.backoff_max);
  return d;
}

namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by SIG" + std::string(name ? name : std::to_string(sig).c_str()) +
           (WCOREDUMP(status) ? " (core dumped)" : "");
  }
  return "stopped (status " + std::to_string(status) + ")";
}

}  // namespace

Supervisor::Supervisor(shm::Segment& segment, SupervisorSettings settings, Clock& clock,
                       std::function<std::vector<std::string>(const ContainerPlan&)> command_for)
    : segment_(segment), settings_(settings), clock_(clock), command_for_(std::move(command_for)) {}

Supervisor::~Supervisor() {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
}

pid_t Supervisor::spawn(const ContainerPlan& plan) {
  const std::vector<std::string> command = command_for_(plan);
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  // The child starts with default signal handling and an empty mask, whatever the host blocked.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw Error("cannot start container '" + plan.name + "' (" + command[0] + "): " + std::strerror(rc));
  }
  return pid;
}

void Supervisor::start(const ContainerPlan& plan) {
  const pid_t pid = spawn(plan);
  std::lock_guard lock(mutex_);
  containers_.push_back(Container{plan, pid, true, false, 0, {}, false, RestartPolicy(settings_)});
  log_info("supervisor", "container '" + plan.name + "' started, pid " + std::to_string(pid) + ", " +
                             std::to_string(plan.workers.size()) + " workers");
}

void Supervisor::run() {
  watcher_ = std::thread([this] { watch(); });
}

void Supervisor::on_death(Container& c, int status) {
  c.alive = false;
  const std::string how = describe_status(status);
  segment_.set_process_state(c.pid, shm::ProcessState::Dead);
  // Fail what its workers were doing, exactly as the collector would have.
  for (const auto& worker : segment_.release_workers_of(c.pid)) {
    if (!worker.declared.empty()) {
      try {
        fail_declared_request(segment_, worker.declared, worker.name);
        log_warning("supervisor", worker.name + " died with its container; its request failed: " + worker.doing);
      } catch (const std::exception& error) {
        log_error("supervisor", worker.name + ": cannot fail its request: " + error.what());
      }
    }
  }
  if (stopping_ || !segment_.running()) {
    log_info("supervisor", "container '" + c.plan.name + "' (pid " + std::to_string(c.pid) + ") " + how);
    return;
  }
  const auto decision = c.policy.on_death(clock_.now());
  if (decision.quarantine) {
    c.quarantined = true;
    segment_.set_process_state(c.pid, shm::ProcessState::Quarantined);
    log_error("supervisor", "container '" + c.plan.name + "' (pid " + std::to_string(c.pid) + ") " + how + "; " +
                                std::to_string(decision.deaths_in_window) + " deaths within " +
                                std::to_string(settings_.restart_window.count() / 1000) +
                                " s: quarantined, not restarted (restart the daemon once it is fixed)");
    return;
  }
  c.restart_pending = true;
  c.restart_at = clock_.now() + decision.delay;
  log_error("supervisor", "container '" + c.plan.name + "' (pid " + std::to_string(c.pid) + ") " + how +
                              "; restarting in " + std::to_string(decision.delay.count()) + " ms");
}

void Supervisor::watch() {
  while (!stopping_) {
    bool reaped = false;
    {
      std::lock_guard lock(mutex_);
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid > 0) {
        reaped = true;  // look for more deaths at once
        for (auto& c : containers_) {
          if (c.pid == pid && c.alive) on_death(c, status);
        }
      } else {
        for (auto& c : containers_) {
          if (!c.restart_pending || clock_.now() < c.restart_at || !segment_.running() || stopping_) continue;
          c.restart_pending = false;
          try {
            c.pid = spawn(c.plan);
            c.alive = true;
            ++c.restarts;
            log_info("supervisor", "container '" + c.plan.name + "' restarted, pid " + std::to_string(c.pid));
          } catch (const std::exception& error) {
            log_error("supervisor", error.what());
          }
        }
      }
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Supervisor::signal_all(int signal) {
  std::lock_guard lock(mutex_);
  for (const auto& c : containers_) {
    if (c.alive) ::kill(c.pid, signal);
  }
}

void Supervisor::stop(std::chrono::milliseconds timeout) {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
  std::lock_guard lock(mutex_);
  for (const auto& c : containers_) {
    if (c.alive) ::kill(c.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto alive = [&] {
    std::size_t n = 0;
    for (const auto& c : containers_) n += c.alive ? 1 : 0;
    return n;
  };
  while (alive() > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (auto& c : containers_) {
        if (c.pid == pid && c.alive) on_death(c, status);
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  for (auto& c : containers_) {
    if (!c.alive) continue;
    log_warning("supervisor", "container '" + c.plan.name + "' (pid " + std::to_string(c.pid) +
                                  ") did not stop within the stop timeout: killed");
    ::kill(c.pid, SIGKILL);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    on_death(c, status);
  }
}

std::vector<Supervisor::ContainerInfo> Supervisor::containers() {
  std::lock_guard lock(mutex_);
  std::vector<ContainerInfo> out;
  for (const auto& c : containers_) out.push_back({c.plan.name, c.pid, c.alive, c.quarantined, c.restarts});
  return out;
}

}  // namespace aotf::host
