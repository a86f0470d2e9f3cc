#pragma once
// The error collector: the container procedure of every worker, as in the original.
//
// It registers the worker "<procedure>_th<id>" in the segment and runs the procedure while the
// run flag is set. When the procedure throws it: fails the request the worker had declared (a
// user request ends with PROCESSING_ERROR, a scan request fails and ends), appends an entry to
// <log_dir>/<procedure>_errors.log (date, worker, request, exception type and message, the stack
// where it was thrown; at most `max_logged_errors` per worker), prints a short summary, backs off
// when the procedure crashed within `init_crash_window` of its start (`init_crash_wait` × the
// number of such crashes), waits for the network when the failure was a network outage, and
// starts the procedure again. A normal return ends the worker.

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>

#include "aotf/config.hpp"
#include "aotf/connectors/connectors.hpp"
#include "aotf/host_info.hpp"
#include "aotf/shm/segment.hpp"
#include "aotf/stage.hpp"
#include "runtime/clock.hpp"

namespace aotf::host {

struct CollectorSettings {
  std::filesystem::path log_dir;
  std::chrono::milliseconds init_crash_window{std::chrono::seconds(10)};
  std::chrono::milliseconds init_crash_wait{std::chrono::seconds(600)};
  std::uint32_t max_logged_errors = 100;
  std::string network_probe;  // "host:port" to test after a network failure; empty: never wait
  std::chrono::milliseconds network_poll{std::chrono::seconds(3)};
};

struct WorkerSpec {
  const StageProcedure* procedure = nullptr;
  std::string plugin;     // the plugin that registered it
  std::uint32_t id = 1;
  std::string container;  // label in threads mode, process in multiprocessing mode
  const ConfigView* config = nullptr;
  const HostInfo* host = nullptr;
  Connectors* connectors = nullptr;  // the process's connectors; null only in tests without any
  [[nodiscard]] std::string name() const { return procedure->name + "_th" + std::to_string(id); }
};

// Runs the worker until the daemon stops or the procedure returns. Never throws: a failure of
// the collector itself is written to error_collector_errors.log (the last-chance wrapper).
void error_collector(const WorkerSpec& spec, shm::Segment& segment, const CollectorSettings& settings,
                     Clock& clock) noexcept;

// Fails what a worker had declared, as the collector and the supervisor both do: a user request
// is forced to END with PROCESSING_ERROR, a scan request is marked failed and ended.
void fail_declared_request(shm::Segment& segment, const shm::RequestRef& request, const std::string& worker);

// True when the exception is a network failure (connection refused, DNS, unreachable) and the
// probe cannot connect either.
[[nodiscard]] bool is_network_outage(const std::exception& error, const std::string& probe);

// Appends one entry to <log_dir>/<procedure>_errors.log. Returns false if the file cannot be written.
bool write_error_log(const std::filesystem::path& log_dir, const std::string& procedure, const std::string& entry);

}  // namespace aotf::host
