#pragma once
// The validated [plugins.user_pipeline] keys, read once when a stage or command starts.
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <aotf/config.hpp>

namespace aotf::user_pipeline {

struct Settings {
  // (platform, account id) pairs never searched (step 1 drops them).
  std::set<std::pair<std::string, std::string>> blocklist;
  int max_distance = 6;
  std::chrono::milliseconds posting_margin{std::chrono::hours(24 * 7)};
  bool check_found_posts = true;
  bool results_log = false;
  std::chrono::milliseconds image_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds image_retry_wait{std::chrono::seconds(10)};
  std::chrono::milliseconds recent_scan{std::chrono::hours(24)};
  int link_finder_depth = 2;
  std::chrono::seconds slow_link_finder{30};

  // Throws ConfigError naming the key and the entry when a blocklist entry is not
  // "platform:account_id".
  [[nodiscard]] static Settings read(const ConfigView& config);
  [[nodiscard]] bool blocklisted(const std::string& platform, const std::string& account_id) const {
    return blocklist.count({platform, account_id}) != 0;
  }
};

// Declares every key with its default (registration).
[[nodiscard]] std::vector<ConfigKey> config_keys();

}  // namespace aotf::user_pipeline
