#pragma once
// GET /metrics: the daemon's state in the Prometheus text exposition format (version 0.0.4).

#include <string>
#include <vector>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

namespace aotf::http_api {

struct MetricsInput {
  shm::PipelineCounts counts;
  std::vector<shm::Segment::MetricInfo> series;    // stage timings (sum and count)
  std::vector<shm::Segment::ProcessInfo> processes;
  std::vector<shm::Segment::WorkerInfo> workers;
  std::vector<shm::UserRequests::Census> user_census;  // user requests by kind, status and error
  std::uint64_t http_requests = 0;                 // answered by this server since it started
  std::uint64_t http_rate_limited = 0;
};

[[nodiscard]] std::string metrics_text(const MetricsInput& input);

// A Prometheus label value with \, " and newlines escaped.
[[nodiscard]] std::string label_value(std::string_view text);

}  // namespace aotf::http_api
