#pragma once
// The aotfd subcommands. Each returns the process exit status: 0 success, 1 a failure of the
// work itself (a file that could not be hashed, a daemon that crashed), 2 bad usage or a bad
// configuration (nothing was started).

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "config/default_config_path.hpp"
#include "plugins/plugin_set.hpp"

namespace aotf::host {

struct Options {
  std::filesystem::path config_path = default_config_path();
  std::string command = "run";
  std::vector<std::string> args;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int cmd_run(const Options& options);
int cmd_container(const Options& options);  // internal: started by the host in multiprocessing mode
int cmd_check_config(const Options& options);
int cmd_plugins(const Options& options);
int cmd_reference_config(const Options& options);
int cmd_hash(const Options& options);
int cmd_import_aotf_db(const Options& options);

// Loads and validates the configuration and the plugins it names. Prints every problem to `err`
// and returns false when the daemon must not start.
bool load_daemon(const Options& options, DaemonConfig& config, PluginSet& plugins, std::ostream& err);

}  // namespace aotf::host
