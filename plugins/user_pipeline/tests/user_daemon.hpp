#pragma once
// A real aotfd loading only the sites, sources and user_pipeline plugins (symlinked into a
// plugins folder of its own), on a temporary folder, driven through its control socket as
// `aotfctl` would: tests/support's DaemonRig. Waits poll with deadlines.
#include <chrono>
#include <functional>
#include <string>

#include "daemon_rig.hpp"

namespace aotf::user_pipeline::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using aotf::test::DaemonRig;
using aotf::test::RigOptions;

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 30s) {
  return aotf::test::poll_until(condition, timeout, 50ms);
}

inline RigOptions user_daemon_options(const std::string& name, bool multiprocessing, const std::string& plugin_config) {
  RigOptions o;
  o.name = name;
  o.instance_prefix = "up_";
  o.multiprocessing = multiprocessing;
  o.plugins = {AOTF_SITES_PLUGIN, AOTF_SOURCES_PLUGIN, AOTF_USER_PIPELINE_PLUGIN};
  // A worker that throws soon after start restarts at once (no init-crash back-off), so a
  // request that fails with PROCESSING_ERROR does not stall the next ones.
  o.config = "[collector]\ninit_crash_window_s = 0\n" + plugin_config;
  o.start_timeout = 30s;
  o.poll_interval = 50ms;
  o.exit_grace = 10s;
  return o;
}

class UserDaemon : public DaemonRig {
public:
  UserDaemon(const std::string& name, bool multiprocessing, const std::string& plugin_config)
      : DaemonRig(user_daemon_options(name, multiprocessing, plugin_config)) {}

  [[nodiscard]] static std::string read(const fs::path& file) { return aotf::test::read_file(file); }

  // Repeats a `query` or `search` command until the request it shows reached END.
  std::string until_end(const std::string& command, std::chrono::milliseconds timeout = 60s) {
    std::string out;
    eventually([&] {
      out = ctl(command);
      return out.find("Status: 6 END") != std::string::npos;
    }, timeout);
    return out;
  }
};

}  // namespace aotf::user_pipeline::test
