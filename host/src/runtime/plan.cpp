#include "runtime/plan.hpp"

#include <algorithm>
#include <map>

#include "plugins/plugin_set.hpp"

namespace aotf::host {

const std::vector<StageDefaults>& default_stages() {
  static const std::vector<StageDefaults> defaults = {
      {"step1_link_finder", 2, "user_pipeline", 0},
      {"step2_index_accounts", 2, "user_pipeline", 0},
      {"step3_reverse_search", 2, "step3", 2},
      {"stepA_list_search", 1, "scan_pipeline", 0},
      {"stepB_list_timeline", 1, "scan_pipeline", 0},
      {"stepC_index_posts", 2, "step_c", 2},
      {"http_server", 1, "http_server", 0},
      {"auto_update_accounts", 1, "maintenance", 0},
      {"reset_search_cursors", 1, "maintenance", 0},
      {"remove_finished_requests", 1, "maintenance", 0},
      {"retry_failed_posts", 1, "maintenance", 0},
  };
  return defaults;
}

std::vector<ContainerPlan> plan_workers(const ConfigFile& file, const PluginSet& plugins,
                                        std::vector<ConfigIssue>& issues) {
  // Every registered procedure, with its defaults.
  struct Stage {
    StageDefaults settings;
    std::size_t order;  // position in the default table, or after it
  };
  std::vector<Stage> stages;
  for (const auto& plugin : plugins.plugins()) {
    for (const auto& procedure : plugin->registry.stages()) {
      const auto& defaults = default_stages();
      auto it = std::find_if(defaults.begin(), defaults.end(),
                             [&](const StageDefaults& d) { return d.procedure == procedure.name; });
      if (it != defaults.end()) {
        stages.push_back({*it, static_cast<std::size_t>(it - defaults.begin())});
      } else {
        stages.push_back({{procedure.name, 1, procedure.name, 0}, defaults.size()});
      }
    }
  }

  // [stages.<procedure>] overrides.
  for (const auto& child : file.children("stages")) {
    auto stage = std::find_if(stages.begin(), stages.end(),
                              [&](const Stage& s) { return s.settings.procedure == child.name; });
    if (stage == stages.end()) {
      std::vector<std::string> names;
      for (const auto& s : stages) names.push_back(s.settings.procedure);
      std::string message = "[stages." + child.name + "] configures no registered stage procedure";
      if (std::string hint = closest_name(child.name, names); !hint.empty()) message += " (did you mean '" + hint + "'?)";
      issues.push_back({file.name(), child.line, child.column, message});
      continue;
    }
    const StageDefaults& d = stage->settings;
    const std::vector<ConfigKey> keys = {
        ConfigKey::integer("threads", d.threads, 0, 256, "workers running this procedure; 0 disables it"),
        ConfigKey::string("container", d.container,
                          "container group: procedures of one group share a process when multiprocessing is on"),
        ConfigKey::integer("threads_per_container", d.threads_per_container, 0, 256,
                           "split the group's threads of this procedure into containers of this many; 0: one"),
    };
    auto values = file.validate("stages." + child.name, keys, {}, issues);
    stage->settings.threads = std::get<std::int64_t>(values["threads"]);
    stage->settings.container = std::get<std::string>(values["container"]);
    stage->settings.threads_per_container = std::get<std::int64_t>(values["threads_per_container"]);
    if (stage->settings.container.empty()) stage->settings.container = child.name;
  }

  // Containers in the order of their first procedure in the default table.
  std::stable_sort(stages.begin(), stages.end(), [](const Stage& a, const Stage& b) {
    return a.order != b.order ? a.order < b.order : a.settings.procedure < b.settings.procedure;
  });
  std::vector<ContainerPlan> containers;
  auto container = [&](const std::string& name) -> ContainerPlan& {
    for (auto& c : containers) {
      if (c.name == name) return c;
    }
    containers.push_back({name, {}});
    return containers.back();
  };
  for (const auto& stage : stages) {
    const StageDefaults& s = stage.settings;
    for (std::int64_t i = 0; i < s.threads; ++i) {
      const std::string name = s.threads_per_container > 0
                                   ? s.container + "_" + std::to_string(i / s.threads_per_container)
                                   : s.container;
      container(name).workers.push_back({s.procedure, static_cast<std::uint32_t>(i + 1)});
    }
  }
  return containers;
}

}  // namespace aotf::host
