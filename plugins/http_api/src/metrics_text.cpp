#include "metrics_text.hpp"

#include <cstdio>
#include <map>

namespace aotf::http_api {

std::string label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

class Writer {
public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    char number[64];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += number;
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

const char* process_state(shm::ProcessState state) {
  switch (state) {
    case shm::ProcessState::Starting: return "starting";
    case shm::ProcessState::Running: return "running";
    case shm::ProcessState::Dead: return "dead";
    case shm::ProcessState::Quarantined: return "quarantined";
    case shm::ProcessState::Stopped: return "stopped";
    case shm::ProcessState::Free: break;
  }
  return "free";
}

}  // namespace

std::string metrics_text(const MetricsInput& input) {
  const auto& c = input.counts;
  Writer w;
  w.family("aotfd_user_queue_size", "gauge", "User requests waiting in the queue of each step.");
  for (int step = 0; step < 3; ++step) {
    w.sample("aotfd_user_queue_size", "step=\"" + std::to_string(step + 1) + "\"",
             static_cast<double>(c.user_queue[step]));
  }
  w.family("aotfd_scan_queue_size", "gauge", "Scan requests waiting for step A (search) or step B (timeline).");
  w.sample("aotfd_scan_queue_size", "listing=\"search\",queue=\"priority\"", static_cast<double>(c.search_priority));
  w.sample("aotfd_scan_queue_size", "listing=\"search\",queue=\"normal\"", static_cast<double>(c.search_normal));
  w.sample("aotfd_scan_queue_size", "listing=\"timeline\",queue=\"priority\"", static_cast<double>(c.timeline_priority));
  w.sample("aotfd_scan_queue_size", "listing=\"timeline\",queue=\"normal\"", static_cast<double>(c.timeline_normal));
  w.family("aotfd_step_c_queue_size", "gauge", "Posts and cursor instructions waiting for step C.");
  w.sample("aotfd_step_c_queue_size", "", static_cast<double>(c.step_c));
  w.family("aotfd_processing_requests", "gauge", "Unfinished requests.");
  w.sample("aotfd_processing_requests", "kind=\"user\"", static_cast<double>(c.processing_user));
  w.sample("aotfd_processing_requests", "kind=\"scan\"", static_cast<double>(c.processing_scan));
  w.family("aotfd_requests_in_memory", "gauge",
           "Requests held in shared memory (finished user requests stay as a cache until shed).");
  w.sample("aotfd_requests_in_memory", "kind=\"user\"", static_cast<double>(c.user_in_memory));
  w.sample("aotfd_requests_in_memory", "kind=\"direct\"", static_cast<double>(c.direct_in_memory));
  w.sample("aotfd_requests_in_memory", "kind=\"scan\"", static_cast<double>(c.scan_in_memory));
  w.family("aotfd_user_requests", "gauge", "User requests in memory by kind, status and error (none: \"\").");
  for (const auto& c : input.user_census) {
    const std::string_view status = shm::to_string(c.status);
    w.sample("aotfd_user_requests",
             std::string("kind=\"") + (c.is_direct ? "direct" : "user") + "\",status=\"" +
                 label_value(status.empty() ? "NULL" : status) + "\",error=\"" + label_value(shm::to_string(c.error)) +
                 "\"",
             static_cast<double>(c.count));
  }
  w.family("aotfd_ip_addresses_with_unfinished_requests", "gauge", "Addresses counted by the per-IP limit.");
  w.sample("aotfd_ip_addresses_with_unfinished_requests", "", static_cast<double>(c.ip_counters));
  w.family("aotfd_rate_limiter_entries", "gauge", "Addresses remembered by the HTTP rate limiter.");
  w.sample("aotfd_rate_limiter_entries", "", static_cast<double>(c.limiter_entries));
  w.family("aotfd_segment_refusals_total", "counter",
           "Requests refused because a table or queue of the shared segment was full.");
  w.sample("aotfd_segment_refusals_total", "", static_cast<double>(c.refusals));

  w.family("aotfd_stage_seconds", "summary", "Time spent per stage operation (seconds).");
  for (const auto& series : input.series) {
    const std::string labels = "series=\"" + label_value(series.name) + "\"";
    w.sample("aotfd_stage_seconds_sum", labels, series.sum_seconds);
    w.sample("aotfd_stage_seconds_count", labels, static_cast<double>(series.count));
  }

  w.family("aotfd_container_restarts_total", "counter", "Restarts of each container process.");
  std::map<std::string, double> restarts;
  std::map<std::string, std::string> states;
  for (const auto& process : input.processes) {
    if (process.state == shm::ProcessState::Free) continue;
    restarts[process.container] += process.restarts;
    states[process.container] = process_state(process.state);
  }
  for (const auto& [container, count] : restarts) {
    w.sample("aotfd_container_restarts_total", "container=\"" + label_value(container) + "\"", count);
  }
  w.family("aotfd_container_up", "gauge", "1 for each container process by its state.");
  for (const auto& [container, state] : states) {
    w.sample("aotfd_container_up", "container=\"" + label_value(container) + "\",state=\"" + state + "\"", 1);
  }

  w.family("aotfd_worker_errors_total", "counter", "Exceptions caught by the error collector, per worker.");
  for (const auto& worker : input.workers) {
    w.sample("aotfd_worker_errors_total", "worker=\"" + label_value(worker.name) + "\"",
             static_cast<double>(worker.errors));
  }

  w.family("aotfd_http_requests_total", "counter", "Requests answered by this HTTP server since it started.");
  w.sample("aotfd_http_requests_total", "", static_cast<double>(input.http_requests));
  w.family("aotfd_http_rate_limited_total", "counter", "Requests answered 429 by this HTTP server.");
  w.sample("aotfd_http_rate_limited_total", "", static_cast<double>(input.http_rate_limited));
  return w.take();
}

}  // namespace aotf::http_api
