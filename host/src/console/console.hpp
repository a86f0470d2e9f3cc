#pragma once
// The daemon's console: the commands typed at the terminal and sent through the control socket
// (aotfctl) are the same. Built-in commands: help, threads, queues, metrics, stacks, plugins,
// reload, stop; plugins add theirs (query, scan, search, stats...).

#include <functional>
#include <string>
#include <vector>

#include "aotf/connectors/connectors.hpp"
#include "aotf/console.hpp"
#include "aotf/shm/segment.hpp"
#include "config/daemon_config.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/supervisor.hpp"

namespace aotf::host {

struct ConsoleHooks {
  std::function<void()> stop;              // asks the daemon to stop
  std::function<std::string()> reload;     // re-reads the config, returns what it did
};

class Console {
public:
  Console(shm::Segment& segment, const PluginSet& plugins, const DaemonConfig& config, Supervisor* supervisor,
          Connectors& connectors, ConsoleHooks hooks);

  // Runs one command line; returns the text to show. Never throws: an error is returned as
  // "error: ..." text.
  [[nodiscard]] std::string execute(const std::string& line);

  [[nodiscard]] std::string help() const;
  [[nodiscard]] std::string threads();
  [[nodiscard]] std::string queues();
  [[nodiscard]] std::string metrics();
  [[nodiscard]] std::string stacks();
  [[nodiscard]] std::string plugins() const;

private:
  shm::Segment& segment_;
  const PluginSet& plugins_;
  const DaemonConfig& config_;
  Supervisor* supervisor_;
  Connectors& connectors_;
  ConsoleHooks hooks_;
};

// Splits a command line on spaces (runs of spaces count as one).
[[nodiscard]] std::vector<std::string> split_command(const std::string& line);

}  // namespace aotf::host
