#include "settings.hpp"

#include <aotf/error.hpp>

namespace aotf::user_pipeline {

std::vector<ConfigKey> config_keys() {
  return {
      ConfigKey::strings("blocklist", {},
                         "Accounts that are never searched, each written \"platform:account_id\" "
                         "(e.g. \"x:2244994945\"); step 1 drops them."),
      ConfigKey::integer("max_distance", 6, 0, 64,
                         "Largest Hamming distance, in bits out of 64, between the query image and a "
                         "stored image that still counts as a match."),
      ConfigKey::integer("posting_margin_days", 7, 0, 3650,
                         "Days an artist may take to post an illustration: an account is scanned again "
                         "when its last full scan minus this margin is older than the illustration."),
      ConfigKey::boolean("results_log", false,
                         "Append one JSON line per request that ended without an error to "
                         "<log_dir>/results.log (input, client address, accounts, posts, distances)."),
      ConfigKey::boolean("check_found_posts", true,
                         "Ask the platform whether each post found still exists and drop those it no "
                         "longer returns."),
      ConfigKey::integer("image_timeout_s", 60, 1, 600,
                         "Seconds without an answer before the download of a query image fails."),
      ConfigKey::integer("image_retry_wait_ms", 10000, 0, 600000,
                         "Milliseconds to wait before the one retry of a query image whose host answered 502."),
      ConfigKey::integer("recent_scan_hours", 24, 0, 8760,
                         "A scan of the account that ended less than this many hours ago is reused "
                         "instead of starting a new one."),
      ConfigKey::integer("link_finder_depth", 2, 0, 10,
                         "How many pages deep the Link Finder follows links (profiles, link pages) "
                         "from the artwork page."),
      ConfigKey::integer("slow_link_finder_s", 30, 1, 3600,
                         "A Link Finder run (validation of the accounts included) that takes this many "
                         "seconds or more is written to warnings.log."),
  };
}

Settings Settings::read(const ConfigView& config) {
  Settings s;
  for (const auto& entry : config.strings("blocklist")) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      throw ConfigError("[plugins.user_pipeline] blocklist: entry \"" + entry +
                        "\" is not \"platform:account_id\" (e.g. \"x:2244994945\")");
    }
    s.blocklist.insert({entry.substr(0, colon), entry.substr(colon + 1)});
  }
  s.max_distance = static_cast<int>(config.integer("max_distance"));
  s.posting_margin = std::chrono::hours(24 * config.integer("posting_margin_days"));
  s.check_found_posts = config.boolean("check_found_posts");
  s.results_log = config.boolean("results_log");
  s.image_timeout = std::chrono::seconds(config.integer("image_timeout_s"));
  s.image_retry_wait = std::chrono::milliseconds(config.integer("image_retry_wait_ms"));
  s.recent_scan = std::chrono::hours(config.integer("recent_scan_hours"));
  s.link_finder_depth = static_cast<int>(config.integer("link_finder_depth"));
  s.slow_link_finder = std::chrono::seconds(config.integer("slow_link_finder_s"));
  return s;
}

}  // namespace aotf::user_pipeline
