#pragma once
// The [plugins.scan_pipeline] keys, declared once and read into one struct per worker.

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <aotf/config.hpp>
#include <aotf/registry.hpp>

namespace aotf::scan {

// §8.4 of the original's download rules, every wait configurable so tests run in milliseconds.
struct DownloadSettings {
  std::size_t max_bytes = 20'971'520;
  std::chrono::milliseconds timeout{60'000};
  int bad_gateway_retries = 3;  // 502
  std::chrono::milliseconds bad_gateway_wait_min{8'000}, bad_gateway_wait_max{12'000};
  int error_retries = 1;  // other HTTP statuses, truncated bodies, connection failures
  std::chrono::milliseconds error_wait_min{8'000}, error_wait_max{12'000};
  int decode_retries = 1;  // an image that could not be decoded or is too big
  std::chrono::milliseconds decode_wait{10'000};
};

struct Settings {
  // "platform:account_id" entries whose scans end as blocklisted without sending anything.
  std::set<std::pair<std::string, std::string>, std::less<>> blocklist;
  std::chrono::milliseconds pop_timeout{1'000};
  std::chrono::milliseconds queue_full_wait{600'000};
  std::chrono::milliseconds cursor_wait_max{3'600'000};
  DownloadSettings download;

  [[nodiscard]] bool blocklisted(std::string_view platform, std::string_view account_id) const;
};

void declare_config_keys(Registry& registry);
// Throws ConfigError naming the key for a value the types cannot check (a blocklist entry
// without "platform:id", wait ranges upside down).
[[nodiscard]] Settings read_settings(const ConfigView& config);

}  // namespace aotf::scan
