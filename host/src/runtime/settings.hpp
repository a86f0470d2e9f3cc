#pragma once
// The runtime's settings, read from the host's validated keys.

#include <chrono>

#include "aotf/shm/segment.hpp"
#include "config/daemon_config.hpp"
#include "runtime/collector.hpp"
#include "runtime/supervisor.hpp"

namespace aotf::host {

struct RuntimeSettings {
  bool multiprocessing = false;
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(30)};
  shm::Capacities capacities;
  CollectorSettings collector;
  SupervisorSettings supervisor;
};

[[nodiscard]] RuntimeSettings runtime_settings(const DaemonConfig& config);

}  // namespace aotf::host
