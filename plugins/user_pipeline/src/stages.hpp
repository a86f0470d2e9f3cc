#pragma once
// The three stage procedures of the user pipeline (registered as step1_link_finder,
// step2_index_accounts and step3_reverse_search). Each loops while the daemon runs.
#include <aotf/stage.hpp>

namespace aotf::user_pipeline {

void run_step1_link_finder(StageContext& ctx);
void run_step2_index_accounts(StageContext& ctx);
void run_step3_reverse_search(StageContext& ctx);

// Metric names (the `metrics` console command).
inline constexpr const char* kMetricLinkFinder = "user step1 link finder per request";
inline constexpr const char* kMetricAccountSearch = "user step3 per account search";
inline constexpr const char* kMetricWholeDatabaseSearch = "user step3 whole database search";
inline constexpr const char* kMetricImageDownload = "user step3 query image download";
inline constexpr const char* kMetricFingerprint = "user step3 query image fingerprint";
inline constexpr const char* kMetricRecheck = "user step3 found posts check";
inline constexpr const char* kMetricRequestToEnd = "user request creation to end";

}  // namespace aotf::user_pipeline
