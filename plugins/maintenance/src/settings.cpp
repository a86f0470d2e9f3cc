#include "settings.hpp"

#include <algorithm>

namespace aotf::maintenance {

namespace {
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kTenYears = 3650 * kDay;
}  // namespace

std::vector<ConfigKey> config_keys() {
  return {
      ConfigKey::integer("remove_period_s", 600, 1, kDay,
                         "Seconds between two sheddings of finished requests; the first one comes one period after "
                         "the start."),
      ConfigKey::integer("user_success_retention_s", 3 * 3600, 0, kTenYears,
                         "Seconds a user request that ended successfully stays in memory (answers repeated queries)."),
      ConfigKey::integer("user_short_problem_retention_s", 600, 0, kTenYears,
                         "Seconds a user request that ended with NOT_AN_URL, NOT_AN_ARTWORK_PAGE or "
                         "UNSUPPORTED_WEBSITE (or a direct request with ERROR_DURING_REVERSE_SEARCH) stays in memory."),
      ConfigKey::integer("user_other_problem_retention_s", 3600, 0, kTenYears,
                         "Seconds a user request that ended with any other error stays in memory."),
      ConfigKey::integer("scan_retention_s", kDay, 0, kTenYears,
                         "Seconds a finished scan request stays in memory (auto-update skips accounts with a scan "
                         "in memory)."),
      ConfigKey::integer("auto_update_period_s", 30 * kDay, 0, kTenYears,
                         "Seconds after which an account is scanned again for new posts; 0 turns auto-update off."),
      ConfigKey::boolean("strict_periods", false,
                         "false: spread the scans evenly, one every period divided by the number of accounts (an "
                         "account may be updated somewhat early or late, never a burst after downtime); true: "
                         "follow each account's due date (after downtime, every overdue account at once)."),
      ConfigKey::integer("reset_cursors_period_s", 365 * kDay, 0, kTenYears,
                         "Seconds after which an account's search cursor is reset and its search listing redone "
                         "from scratch; 0 turns the resets off."),
      ConfigKey::integer("reset_retry_s", 3600, 1, kTenYears,
                         "Seconds before asking again for a reset that a scan already listing the account could not "
                         "take."),
      ConfigKey::integer("empty_database_wait_s", 3600, 1, kTenYears,
                         "Seconds auto-update and the cursor resets wait before looking again at a database that "
                         "holds no account."),
      ConfigKey::integer("retry_period_s", 6 * 3600, 0, kTenYears,
                         "Seconds between two retries of a post whose indexing failed; 0 turns the retries off."),
      ConfigKey::integer("retry_batch_window_s", 15 * 60, 0, kTenYears,
                         "Posts to fetch again that fall due within this many seconds are fetched together."),
      ConfigKey::integer("retry_batch_size", 100, 1, 10000,
                         "Most posts fetched from a platform in one batch by the retries."),
  };
}

Settings Settings::read(const ConfigView& config) {
  using std::chrono::seconds;
  Settings s;
  s.remove_period = seconds(config.integer("remove_period_s"));
  s.user_success_retention = seconds(config.integer("user_success_retention_s"));
  s.user_short_problem_retention = seconds(config.integer("user_short_problem_retention_s"));
  s.user_other_problem_retention = seconds(config.integer("user_other_problem_retention_s"));
  s.scan_retention = seconds(config.integer("scan_retention_s"));
  s.auto_update_period = seconds(config.integer("auto_update_period_s"));
  s.strict_periods = config.boolean("strict_periods");
  s.reset_period = seconds(config.integer("reset_cursors_period_s"));
  s.reset_retry = seconds(config.integer("reset_retry_s"));
  s.empty_database_wait = seconds(config.integer("empty_database_wait_s"));
  s.retry_period = seconds(config.integer("retry_period_s"));
  s.retry_batch_window = seconds(config.integer("retry_batch_window_s"));
  s.retry_batch_size = config.integer("retry_batch_size");
  return s;
}

std::chrono::seconds Settings::longest_user_retention() const {
  return std::max({user_success_retention, user_short_problem_retention, user_other_problem_retention});
}

}  // namespace aotf::maintenance
