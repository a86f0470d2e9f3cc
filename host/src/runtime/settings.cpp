#include "runtime/settings.hpp"

namespace aotf::host {

namespace {
std::chrono::milliseconds seconds(const ConfigView& v, std::string_view key) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(v.number(key) * 1000.0));
}
std::uint32_t count(const ConfigView& v, std::string_view key) { return static_cast<std::uint32_t>(v.integer(key)); }
}  // namespace

RuntimeSettings runtime_settings(const DaemonConfig& config) {
  const ConfigView& v = config.host_values;
  RuntimeSettings s;
  s.multiprocessing = v.boolean("multiprocessing");
  s.stop_timeout = seconds(v, "stop_timeout_s");
  s.capacities.workers = count(v, "runtime.max_workers");
  s.capacities.processes = count(v, "runtime.max_processes");
  s.capacities.user_requests = count(v, "runtime.user_requests");
  s.capacities.scan_requests = count(v, "runtime.scan_requests");
  s.capacities.step_c_queue = count(v, "runtime.step_c_queue");
  s.capacities.ip_addresses = count(v, "runtime.ip_addresses");
  s.collector.log_dir = config.host.log_dir;
  s.collector.init_crash_window = seconds(v, "collector.init_crash_window_s");
  s.collector.init_crash_wait = seconds(v, "collector.init_crash_wait_s");
  s.collector.max_logged_errors = count(v, "collector.max_logged_errors");
  s.collector.network_probe = v.string("network_probe");
  s.supervisor.max_restarts = count(v, "supervisor.max_restarts");
  s.supervisor.restart_window = seconds(v, "supervisor.restart_window_s");
  s.supervisor.backoff_initial = seconds(v, "supervisor.backoff_initial_s");
  s.supervisor.backoff_max = seconds(v, "supervisor.backoff_max_s");
  return s;
}

}  // namespace aotf::host
