#pragma once
// The launchers, with the names and meaning of the original's:
// - launch_thread: one worker; a thread here, or (multiprocessing, from the host) one thread alone
//   in a container process;
// - launch_identical_threads_in_container: N workers of one procedure, in one container when
//   multiprocessing is on;
// - launch_unique_threads_in_container: workers of different procedures in one container;
// - launch_threads: the whole tree from the plan, as the host starts it.
// Every worker runs inside the error collector.

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aotf/shm/segment.hpp"
#include "config/daemon_config.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/clock.hpp"
#include "runtime/collector.hpp"
#include "runtime/plan.hpp"
#include "runtime/settings.hpp"
#include "runtime/supervisor.hpp"

namespace aotf::host {

class Launcher {
public:
  // `supervisor` null: workers become threads of this process (threads mode, or inside a
  // container). Otherwise the *_in_container launchers start container processes.
  Launcher(shm::Segment& segment, const PluginSet& plugins, const DaemonConfig& config,
           const RuntimeSettings& settings, Clock& clock, Supervisor* supervisor, Connectors& connectors);
  ~Launcher();

  void launch_thread(const WorkerPlan& worker, const std::string& container);
  void launch_identical_threads_in_container(const std::string& procedure, const std::vector<std::uint32_t>& ids,
                                             const std::string& container);
  void launch_unique_threads_in_container(const std::vector<WorkerPlan>& workers, const std::string& container);
  void launch_threads(const std::vector<ContainerPlan>& plan);

  // Waits up to `timeout` for every thread started here to return; joins those that did and
  // returns the names of those still running (a procedure that ignores the stop flag).
  std::vector<std::string> join(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t thread_count() const noexcept { return threads_.size(); }

private:
  void start_thread(const WorkerPlan& worker, const std::string& container);

  struct Thread {
    WorkerSpec spec;
    std::atomic<bool> done{false};
    std::thread thread;
  };
  shm::Segment& segment_;
  const PluginSet& plugins_;
  const DaemonConfig& config_;
  const RuntimeSettings& settings_;
  Clock& clock_;
  Supervisor* supervisor_;
  Connectors& connectors_;
  std::list<Thread> threads_;  // stable addresses: each thread reads its own spec
};

}  // namespace aotf::host
