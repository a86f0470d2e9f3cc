#pragma once
// <log_dir>/results.log, the original's ENABLE_LOGGING: one JSON line per request that ended
// without an error, written when [plugins.user_pipeline] results_log is true. The line holds what
// the API answered (status, has_first_time_scan, twitter_accounts, results with platform) plus
// the input, the client address and the UTC time, so an operator can measure match distances.
// Every process appends with one write() per line, so lines never interleave.
#include <string>

#include <aotf/host_info.hpp>
#include <aotf/shm/pipelines.hpp>

namespace aotf::user_pipeline {

// The line written for `request` (without the newline).
[[nodiscard]] std::string result_line(const shm::UserRequestSnapshot& request, const std::string& utc_time);

// Appends result_line(request, now) to <log_dir>/results.log; a failure is logged, never thrown.
void write_result(const HostInfo& host, const shm::UserRequestSnapshot& request);

}  // namespace aotf::user_pipeline
