#include <iostream>

#include "commands/commands.hpp"

namespace aotf::host {

int cmd_check_config(const Options& options) {
  DaemonConfig config;
  PluginSet plugins;
  if (!load_daemon(options, config, plugins, std::cerr)) return kExitUsage;
  for (const auto& refused : plugins.refused()) std::cerr << "warning: " << refused.str() << "\n";
  std::cout << options.config_path.string() << ": configuration is valid (" << plugins.plugins().size()
            << " plugins loaded from " << plugins.folder().string() << ", " << plugins.refused().size()
            << " files refused)\n";
  return kExitOk;
}

}  // namespace aotf::host
