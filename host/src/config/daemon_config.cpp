#include "config/daemon_config.hpp"

#include <algorithm>

#include <boost/dll/runtime_symbol_info.hpp>

#include "aotf/version.hpp"
#include "plugins/plugin_set.hpp"

namespace aotf::host {

const std::vector<ConfigKey>& host_keys() {
  static const std::vector<ConfigKey> keys = {
      ConfigKey::string("instance", "aotfd",
                        "Name of this daemon instance; names its shared-memory segment and control socket. "
                        "Two daemons on one machine need two names."),
      ConfigKey::string("data_dir", "data", "Folder for the database and other durable files; relative to the "
                                            "working directory."),
      ConfigKey::string("log_dir", "", "Folder for error logs, results.log and stacktrace.log; empty means "
                                       "<data_dir>/logs."),
      ConfigKey::string("plugins_dir", "", "Folder of plugin .so files; empty means lib/aotfd/plugins next to the "
                                           "aotfd executable."),
      ConfigKey::choice("fingerprint.mode", "exact", {"exact", "fast"},
                        "\"exact\": bit-exact with the original's Pillow pHash, so its databases stay valid; "
                        "\"fast\": decodes JPEGs at a reduced scale first. A database remembers the mode that "
                        "filled it and refuses the other."),
      ConfigKey::string("database.file", "",
                        "SQLite database file; relative to the working directory. Empty: <data_dir>/aotfd.sqlite3."),
      ConfigKey::integer("database.busy_timeout_ms", 10'000, 0, 3'600'000,
                         "How long a write waits for another writer before it fails, milliseconds."),
      ConfigKey::boolean("multiprocessing", false,
                         "false: every worker is a thread of aotfd; true: workers run in container processes "
                         "(started by exec of aotfd), grouped as [stages.<procedure>] container says."),
      ConfigKey::number("stop_timeout_s", 30, 0.1, 3600,
                        "On SIGTERM/SIGINT, how long workers and containers get to stop before they are killed."),
      ConfigKey::string("network_probe", "",
                        "\"address:port\" tried after a network failure; while it cannot be reached the failed "
                        "worker waits instead of restarting. Empty: never wait. Numeric addresses only."),
      ConfigKey::integer("runtime.max_workers", 256, 8, 65536, "Worker slots in the shared segment."),
      ConfigKey::integer("runtime.max_processes", 64, 4, 4096, "Container process slots in the shared segment."),
      ConfigKey::integer("runtime.user_requests", 4096, 16, 1048576, "User requests kept in memory."),
      ConfigKey::integer("runtime.scan_requests", 4096, 16, 1048576, "Scan requests kept in memory."),
      ConfigKey::integer("runtime.step_c_queue", 65536, 64, 16777216, "Posts waiting to be indexed."),
      ConfigKey::integer("runtime.ip_addresses", 8192, 16, 1048576, "Client addresses tracked for limits."),
      ConfigKey::number("collector.init_crash_window_s", 10, 0, 86400,
                        "A procedure that crashes this soon after its start backs off before restarting."),
      ConfigKey::number("collector.init_crash_wait_s", 600, 0, 86400,
                        "Back-off after such a crash, multiplied by the number of such crashes."),
      ConfigKey::integer("collector.max_logged_errors", 100, 0, 1000000,
                         "Entries each worker may write to <procedure>_errors.log."),
      ConfigKey::integer("supervisor.max_restarts", 5, 0, 1000,
                         "Deaths of one container within restart_window_s beyond which it is quarantined."),
      ConfigKey::number("supervisor.restart_window_s", 600, 1, 86400, "Window for max_restarts."),
      ConfigKey::number("supervisor.backoff_initial_s", 1, 0, 3600,
                        "Wait before restarting a dead container; doubles with each death in the window."),
      ConfigKey::number("supervisor.backoff_max_s", 60, 0, 86400, "Longest wait before a restart."),
      ConfigKey::choice("log_level", "info", {"debug", "info", "warning", "error"},
                        "Least important messages written to the log."),
  };
  return keys;
}

std::filesystem::path default_plugins_dir() {
  const std::filesystem::path exe = boost::dll::program_location().string();
  return (exe.parent_path() / AOTF_PLUGINS_FROM_BINDIR).lexically_normal();
}

namespace {

LogLevel parse_level(const std::string& s) {
  if (s == "debug") return LogLevel::Debug;
  if (s == "warning") return LogLevel::Warning;
  if (s == "error") return LogLevel::Error;
  return LogLevel::Info;
}

bool valid_instance(const std::string& name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

bool load_host_config(const std::filesystem::path& path, DaemonConfig& config, std::vector<ConfigIssue>& issues) {
  config.file = ConfigFile::parse(path, issues);
  if (!config.file) return false;
  const ConfigFile& file = *config.file;

  // Sub-tables the host hands to other validators.
  const std::vector<std::string> delegated = {"plugins", "stages"};
  auto values = file.validate("", host_keys(), delegated, issues);
  config.host_values = ConfigView("aotfd", values);
  const ConfigView& v = config.host_values;

  config.host.version = AOTF_VERSION;
  config.host.instance = v.string("instance");
  if (!valid_instance(config.host.instance)) {
    issues.push_back(file.issue_at("instance", "'instance' must be 1 to 32 characters of [A-Za-z0-9_-], got \"" +
                                                   config.host.instance + "\""));
  }
  config.host.data_dir = std::filesystem::absolute(v.string("data_dir")).lexically_normal();
  const std::string& log_dir = v.string("log_dir");
  config.host.log_dir = log_dir.empty() ? config.host.data_dir / "logs"
                                        : std::filesystem::absolute(log_dir).lexically_normal();
  const std::string& plugins_dir = v.string("plugins_dir");
  config.plugins_dir = plugins_dir.empty() ? default_plugins_dir()
                                           : std::filesystem::absolute(plugins_dir).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_directory(config.plugins_dir, ec)) {
    issues.push_back(file.issue_at("plugins_dir", "plugins folder " + config.plugins_dir.string() +
                                                      " does not exist; set 'plugins_dir' to the folder that "
                                                      "holds the plugin .so files"));
  }
  config.log_level = parse_level(v.string("log_level"));
  const std::string& database_file = v.string("database.file");
  config.host.database_file = database_file.empty() ? config.host.data_dir / "aotfd.sqlite3"
                                                    : std::filesystem::absolute(database_file).lexically_normal();
  config.host.database_busy_timeout = std::chrono::milliseconds(v.integer("database.busy_timeout_ms"));
  config.host.fingerprint_mode = v.string("fingerprint.mode");

  for (const auto& child : file.children("")) {
    if (child.name == "plugins" && !child.is_table) {
      issues.push_back({file.name(), child.line, child.column,
                        "'plugins' must be a table of per-plugin tables ([plugins.<name>])"});
    }
  }
  return true;
}

void validate_plugin_tables(DaemonConfig& config, const PluginSet& plugins, std::vector<ConfigIssue>& issues,
                            bool report_unconfigured) {
  const ConfigFile& file = *config.file;
  for (const auto& plugin : plugins.plugins()) {
    auto values = file.validate("plugins." + plugin->name, plugin->registry.config_keys(), {}, issues);
    config.plugin_configs[plugin->name] = ConfigView("plugin '" + plugin->name + "'", values);
  }
  if (!report_unconfigured) return;
  std::vector<std::string> loaded;
  for (const auto& plugin : plugins.plugins()) loaded.push_back(plugin->name);
  for (const auto& child : file.children("plugins")) {
    if (plugins.find(child.name)) {
      if (!child.is_table) {
        issues.push_back({file.name(), child.line, child.column,
                          "'plugins." + child.name + "' must be a table ([plugins." + child.name + "])"});
      }
      continue;
    }
    std::string message = "[plugins." + child.name + "] configures no loaded plugin";
    for (const auto& refused : plugins.refused()) {
      std::string stem = refused.file.stem().string();
      if (stem == child.name || stem == "lib" + child.name || stem == "aotf_" + child.name) {
        message += "; " + refused.str();
      }
    }
    if (std::string hint = closest_name(child.name, loaded); !hint.empty()) {
      message += " (did you mean '" + hint + "'?)";
    } else {
      std::string list;
      for (const auto& n : loaded) list += (list.empty() ? "" : ", ") + n;
      message += " (loaded: " + (list.empty() ? std::string("none") : list) + ")";
    }
    issues.push_back({file.name(), child.line, child.column, message});
  }
}

}  // namespace aotf::host
