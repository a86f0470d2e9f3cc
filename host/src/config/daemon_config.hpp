#pragma once
// The whole validated configuration of a daemon: the host's own keys, then the [plugins.<name>]
// table of every loaded plugin, checked against the keys that plugin declared.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aotf/config.hpp"
#include "aotf/host_info.hpp"
#include "aotf/log.hpp"
#include "config/config_file.hpp"

namespace aotf::host {

class PluginSet;

// The keys of the top-level table (see config/aotfd.reference.toml).
[[nodiscard]] const std::vector<ConfigKey>& host_keys();

struct DaemonConfig {
  std::unique_ptr<ConfigFile> file;
  ConfigView host_values;            // every host key, from the file or its default
  HostInfo host;                     // instance, data and log folders (absolute)
  std::filesystem::path plugins_dir; // absolute
  LogLevel log_level = LogLevel::Info;
  std::map<std::string, ConfigView> plugin_configs;  // by plugin name, for every loaded plugin
};

// Parses the file and validates the host's keys. Returns false when the file could not be parsed
// (nothing else can be checked then); other problems are appended to `issues`.
bool load_host_config(const std::filesystem::path& path, DaemonConfig& config, std::vector<ConfigIssue>& issues);

// Validates [plugins.<name>] for every loaded plugin, and refuses tables that configure no
// loaded plugin (naming the refused file when that is why).
// `report_unconfigured` false: tables of plugins not loaded here are ignored (a container loads
// only the plugins it runs).
void validate_plugin_tables(DaemonConfig& config, const PluginSet& plugins, std::vector<ConfigIssue>& issues,
                            bool report_unconfigured = true);

// The plugins folder next to the executable: <prefix>/lib/aotfd/plugins for <prefix>/bin/aotfd,
// which holds both in the build tree and in an installed tree.
[[nodiscard]] std::filesystem::path default_plugins_dir();

}  // namespace aotf::host
