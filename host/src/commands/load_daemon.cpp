#include <ostream>

#include "commands/commands.hpp"

namespace aotf::host {

bool load_daemon(const Options& options, DaemonConfig& config, PluginSet& plugins, std::ostream& err) {
  std::vector<ConfigIssue> issues;
  if (load_host_config(options.config_path, config, issues) && std::filesystem::is_directory(config.plugins_dir)) {
    plugins = PluginSet::load_folder(config.plugins_dir);
    validate_plugin_tables(config, plugins, issues);
  }
  sort_issues(issues);
  for (const auto& issue : issues) err << issue.str() << "\n";
  return issues.empty();
}

}  // namespace aotf::host
