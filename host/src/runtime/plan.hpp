#pragma once
// Which workers run, and in which container: built from [stages.<procedure>] tables and the
// defaults that follow the original's grouping (steps 1 and 2 together, step 3 in pairs, A and B
// together, C in pairs, HTTP alone, maintenance together).

#include <cstdint>
#include <string>
#include <vector>

#include "config/config_file.hpp"

namespace aotf::host {

class PluginSet;

struct WorkerPlan {
  std::string procedure;
  std::uint32_t id = 1;  // counted per procedure across containers, from 1
  [[nodiscard]] std::string name() const { return procedure + "_th" + std::to_string(id); }
};

struct ContainerPlan {
  std::string name;
  std::vector<WorkerPlan> workers;
};

struct StageDefaults {
  std::string procedure;
  std::int64_t threads;
  std::string container;               // group name
  std::int64_t threads_per_container;  // 0: all threads of the group in one container
};

// The built-in defaults, in container order.
[[nodiscard]] const std::vector<StageDefaults>& default_stages();

// Validates [stages.*] against the registered procedures and builds the plan: containers in the
// default order, then the other groups in name order. Procedures without defaults run one thread
// alone in a container named after them.
[[nodiscard]] std::vector<ContainerPlan> plan_workers(const ConfigFile& file, const PluginSet& plugins,
                                                      std::vector<ConfigIssue>& issues);

}  // namespace aotf::host
