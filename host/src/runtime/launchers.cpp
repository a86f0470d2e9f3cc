#include "runtime/launchers.hpp"

#include "aotf/error.hpp"

namespace aotf::host {

Launcher::Launcher(shm::Segment& segment, const PluginSet& plugins, const DaemonConfig& config,
                   const RuntimeSettings& settings, Clock& clock, Supervisor* supervisor,
                   Connectors& connectors)
    : segment_(segment), plugins_(plugins), config_(config), settings_(settings), clock_(clock),
      supervisor_(supervisor), connectors_(connectors) {}

Launcher::~Launcher() {
  // Threads still running here ignored the stop flag; the caller decided to exit without them.
  for (auto& t : threads_) {
    if (t.thread.joinable()) t.thread.detach();
  }
}

void Launcher::start_thread(const WorkerPlan& worker, const std::string& container) {
  const StageProcedure* procedure = plugins_.stage(worker.procedure);
  const LoadedPlugin* plugin = plugins_.owner_of_stage(worker.procedure);
  if (!procedure || !plugin) throw Error("no loaded plugin registers the stage procedure '" + worker.procedure + "'");
  auto& t = threads_.emplace_back();
  t.spec.procedure = procedure;
  t.spec.plugin = plugin->name;
  t.spec.id = worker.id;
  t.spec.container = container;
  t.spec.config = &config_.plugin_configs.at(plugin->name);
  t.spec.host = &config_.host;
  t.spec.connectors = &connectors_;
  t.thread = std::thread([this, &t] {
    error_collector(t.spec, segment_, settings_.collector, clock_);
    t.done.store(true, std::memory_order_release);
  });
}

void Launcher::launch_thread(const WorkerPlan& worker, const std::string& container) {
  if (supervisor_) {
    supervisor_->start({container, {worker}});
  } else {
    start_thread(worker, container);
  }
}

void Launcher::launch_identical_threads_in_container(const std::string& procedure,
                                                     const std::vector<std::uint32_t>& ids,
                                                     const std::string& container) {
  std::vector<WorkerPlan> workers;
  for (auto id : ids) workers.push_back({procedure, id});
  if (supervisor_) {
    supervisor_->start({container, workers});
  } else {
    for (const auto& w : workers) start_thread(w, container);
  }
}

void Launcher::launch_unique_threads_in_container(const std::vector<WorkerPlan>& workers,
                                                  const std::string& container) {
  if (supervisor_) {
    supervisor_->start({container, workers});
  } else {
    for (const auto& w : workers) start_thread(w, container);
  }
}

void Launcher::launch_threads(const std::vector<ContainerPlan>& plan) {
  for (const auto& container : plan) {
    if (container.workers.empty()) continue;
    const std::string& first = container.workers.front().procedure;
    const bool identical = std::all_of(container.workers.begin(), container.workers.end(),
                                       [&](const WorkerPlan& w) { return w.procedure == first; });
    if (container.workers.size() == 1) {
      launch_thread(container.workers.front(), container.name);
    } else if (identical) {
      std::vector<std::uint32_t> ids;
      for (const auto& w : container.workers) ids.push_back(w.id);
      launch_identical_threads_in_container(first, ids, container.name);
    } else {
      launch_unique_threads_in_container(container.workers, container.name);
    }
  }
}

std::vector<std::string> Launcher::join(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (auto& t : threads_) all = all && t.done.load(std::memory_order_acquire);
    if (all || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> hung;
  for (auto& t : threads_) {
    if (t.done.load(std::memory_order_acquire)) {
      if (t.thread.joinable()) t.thread.join();
    } else {
      hung.push_back(t.spec.name());
    }
  }
  return hung;
}

}  // namespace aotf::host
