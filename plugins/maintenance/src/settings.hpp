#pragma once
// The keys of [plugins.maintenance]. Every period is a number of seconds, so a test can run a
// whole schedule in a few seconds; the defaults are the original server's constants.

#include <chrono>
#include <cstdint>
#include <vector>

#include <aotf/config.hpp>

namespace aotf::maintenance {

struct Settings {
  // remove_finished_requests
  std::chrono::seconds remove_period{600};
  std::chrono::seconds user_success_retention{3 * 3600};
  std::chrono::seconds user_short_problem_retention{600};
  std::chrono::seconds user_other_problem_retention{3600};
  std::chrono::seconds scan_retention{24 * 3600};
  // auto_update_accounts (0 = off)
  std::chrono::seconds auto_update_period{30LL * 86400};
  bool strict_periods = false;
  // reset_search_cursors (0 = off)
  std::chrono::seconds reset_period{365LL * 86400};
  std::chrono::seconds reset_retry{3600};
  // both: the wait when the database holds no account yet
  std::chrono::seconds empty_database_wait{3600};
  // retry_failed_posts (0 = off)
  std::chrono::seconds retry_period{6 * 3600};
  std::chrono::seconds retry_batch_window{15 * 60};
  std::int64_t retry_batch_size = 100;

  [[nodiscard]] static Settings read(const ConfigView& config);
  // The longest time a finished user request is kept: an upload file older than that belongs to
  // a request that was shed.
  [[nodiscard]] std::chrono::seconds longest_user_retention() const;
};

// The keys as registered (names, defaults, ranges, descriptions).
[[nodiscard]] std::vector<ConfigKey> config_keys();

}  // namespace aotf::maintenance
