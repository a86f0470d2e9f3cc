#include "settings.hpp"

#include <aotf/error.hpp>

namespace aotf::scan {

bool Settings::blocklisted(std::string_view platform, std::string_view account_id) const {
  return blocklist.find(std::pair<std::string, std::string>(platform, account_id)) != blocklist.end();
}

void declare_config_keys(Registry& registry) {
  using K = ConfigKey;
  registry.add_config_key(K::strings("blocklist", {},
                                     "Accounts never scanned, as \"platform:account_id\" (\"x:2244994945\"); their scans "
                                     "end as blocklisted without contacting the platform."));
  registry.add_config_key(K::integer("pop_timeout_ms", 1000, 10, 60000,
                                     "How long steps A, B and C wait on an empty queue before checking the stop flag."));
  registry.add_config_key(K::integer("queue_full_wait_s", 600, 1, 86400,
                                     "How long a listing waits for room in a full step C queue before the scan fails."));
  registry.add_config_key(K::integer("cursor_wait_max_s", 3600, 1, 604800,
                                     "Longest wait at a cursor instruction for the posts listed before it to be "
                                     "committed; past it the cursor is not saved (the next scan lists them again)."));
  registry.add_config_key(K::integer("image.max_bytes", 20971520, 1024, 1073741824,
                                     "Largest image downloaded, bytes; the answer must announce its Content-Length."));
  registry.add_config_key(K::integer("image.timeout_s", 60, 1, 600, "Read timeout of one image download, seconds."));
  registry.add_config_key(K::integer("image.bad_gateway_retries", 3, 0, 100,
                                     "Retries of an image answered 502 before the post is kept for a later retry."));
  registry.add_config_key(K::integer("image.bad_gateway_wait_min_ms", 8000, 0, 3600000,
                                     "Shortest pause before retrying an image answered 502, milliseconds."));
  registry.add_config_key(K::integer("image.bad_gateway_wait_max_ms", 12000, 0, 3600000,
                                     "Longest pause before retrying an image answered 502, milliseconds."));
  registry.add_config_key(K::integer("image.error_retries", 1, 0, 100,
                                     "Retries of an image after another error status, a truncated body or a "
                                     "connection failure (404, 403 and 500 mean lost: never retried)."));
  registry.add_config_key(K::integer("image.error_wait_min_ms", 8000, 0, 3600000,
                                     "Shortest pause before such a retry, milliseconds."));
  registry.add_config_key(K::integer("image.error_wait_max_ms", 12000, 0, 3600000,
                                     "Longest pause before such a retry, milliseconds."));
  registry.add_config_key(K::integer("image.decode_retries", 1, 0, 100,
                                     "New downloads of an image that could not be decoded or is too big."));
  registry.add_config_key(K::integer("image.decode_wait_ms", 10000, 0, 3600000,
                                     "Pause before downloading again an image that could not be decoded, milliseconds."));
}

namespace {

std::chrono::milliseconds ms(const ConfigView& config, std::string_view key) {
  return std::chrono::milliseconds(config.integer(key));
}

void check_range(const char* min_key, std::chrono::milliseconds min, const char* max_key,
                 std::chrono::milliseconds max) {
  if (min > max) {
    throw ConfigError(std::string("[plugins.scan_pipeline] ") + min_key + " (" + std::to_string(min.count()) +
                      ") is above " + max_key + " (" + std::to_string(max.count()) + ")");
  }
}

}  // namespace

Settings read_settings(const ConfigView& config) {
  Settings s;
  for (const auto& entry : config.strings("blocklist")) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      throw ConfigError("[plugins.scan_pipeline] blocklist entry \"" + entry +
                        "\" is not \"platform:account_id\" (for example \"x:2244994945\")");
    }
    s.blocklist.emplace(entry.substr(0, colon), entry.substr(colon + 1));
  }
  s.pop_timeout = ms(config, "pop_timeout_ms");
  s.queue_full_wait = std::chrono::seconds(config.integer("queue_full_wait_s"));
  s.cursor_wait_max = std::chrono::seconds(config.integer("cursor_wait_max_s"));
  DownloadSettings& d = s.download;
  d.max_bytes = static_cast<std::size_t>(config.integer("image.max_bytes"));
  d.timeout = std::chrono::seconds(config.integer("image.timeout_s"));
  d.bad_gateway_retries = static_cast<int>(config.integer("image.bad_gateway_retries"));
  d.bad_gateway_wait_min = ms(config, "image.bad_gateway_wait_min_ms");
  d.bad_gateway_wait_max = ms(config, "image.bad_gateway_wait_max_ms");
  d.error_retries = static_cast<int>(config.integer("image.error_retries"));
  d.error_wait_min = ms(config, "image.error_wait_min_ms");
  d.error_wait_max = ms(config, "image.error_wait_max_ms");
  d.decode_retries = static_cast<int>(config.integer("image.decode_retries"));
  d.decode_wait = ms(config, "image.decode_wait_ms");
  check_range("image.bad_gateway_wait_min_ms", d.bad_gateway_wait_min, "image.bad_gateway_wait_max_ms",
              d.bad_gateway_wait_max);
  check_range("image.error_wait_min_ms", d.error_wait_min, "image.error_wait_max_ms", d.error_wait_max);
  return s;
}

}  // namespace aotf::scan
