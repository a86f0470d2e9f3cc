// auto_update_accounts (reference §6 "Auto-update").
#include <algorithm>
#include <chrono>
#include <exception>
#include <string>

#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>

#include "account_refresh.hpp"
#include "schedule.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::maintenance {

namespace {

// The older of the two cursor save dates; empty when either is missing (never listed by one
// of the listers: due at once).
std::optional<WallClock::time_point> update_date(const db::Account& account) {
  const auto search = parse_db_date(account.search_saved_at);
  const auto timeline = parse_db_date(account.timeline_saved_at);
  if (!search || !timeline) return std::nullopt;
  return std::min(*search, *timeline);
}

struct PassCounts {
  std::size_t launched = 0, pushed_back = 0, in_memory = 0, updated_meanwhile = 0, unavailable = 0, failed = 0;
};

}  // namespace

void auto_update_accounts(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  const std::string& me = ctx.worker_name();
  if (settings.auto_update_period.count() == 0) {
    log_info(me, "auto-update is off (auto_update_period_s = 0)");
    while (ctx.sleep_for(std::chrono::seconds(1))) {
    }
    return;
  }
  db::Database db = db::Database::of_daemon(ctx.host());
  shm::ScanRequests scans(ctx.segment());
  Spreader spreader(std::chrono::duration_cast<milliseconds>(settings.auto_update_period), settings.strict_periods);

  while (ctx.running()) {
    const auto accounts = db.accounts_by_update_date();
    if (accounts.empty()) {
      if (!wait_until(ctx, WallClock::now() + settings.empty_database_wait)) return;
      continue;
    }
    PassCounts counts;
    bool handled_any = false;
    for (const db::Account& account : accounts) {
      if (!ctx.running()) return;
      // A scan in memory (even finished) means the account was scanned recently enough.
      if (scans.get(account.platform, account.account_id)) {
        ++counts.in_memory;
        log_debug(me, "skipped " + describe_account(account) + ": a scan of it is in memory");
        continue;
      }
      const auto wait = spreader.wait_before(accounts.size(), update_date(account), WallClock::now());
      if (wait.count() > 0 && !wait_until(ctx, WallClock::now() + wait)) return;
      const Spreader::HandledMark mark(spreader);  // the next share counts from the end of this one
      handled_any = true;

      // A user's scan may have listed the account while we waited: both dates moved.
      const auto fresh = db.account(account.platform, account.account_id);
      if (!fresh) continue;
      if (fresh->search_saved_at != account.search_saved_at && fresh->timeline_saved_at != account.timeline_saved_at) {
        ++counts.updated_meanwhile;
        log_debug(me, "skipped " + describe_account(account) + ": it was scanned while waiting for its turn");
        continue;
      }
      const AccountCheck check = check_account(ctx, *fresh, "auto_update_accounts");
      switch (check.liveness) {
        case Liveness::gone:
          push_back(db, *fresh);
          ++counts.pushed_back;
          log_info(me, "account " + describe_account(*fresh) + " is gone (" + check.reason +
                           "): not scanned; its cursors were rewritten so it is asked about again one period later");
          continue;
        case Liveness::unavailable:
          ++counts.unavailable;
          log_debug(me, "skipped " + describe_account(*fresh) + ": " + check.reason);
          continue;
        case Liveness::failed:
          ++counts.failed;
          log_warning(me, "cannot check " + describe_account(*fresh) + " (skipped until the next pass): " + check.reason);
          continue;
        case Liveness::alive:
          break;
      }
      try {
        const shm::ScanLaunch launch = scans.launch(fresh->platform, fresh->account_id, check.current_name, false, false);
        ++counts.launched;
        log_debug(me, std::string(launch.created ? "launched a scan of " : "a scan was already running for ") +
                          describe_account(*fresh));
      } catch (const std::exception& e) {
        ++counts.failed;
        log_warning(me, "cannot launch a scan of " + describe_account(*fresh) + ": " + e.what());
      }
    }
    log_info(me, "auto-update pass over " + std::to_string(accounts.size()) + " accounts: " +
                     std::to_string(counts.launched) + " scans launched, " + std::to_string(counts.pushed_back) +
                     " gone accounts pushed back, " + std::to_string(counts.in_memory) + " with a scan in memory, " +
                     std::to_string(counts.updated_meanwhile) + " scanned meanwhile, " +
                     std::to_string(counts.unavailable) + " without a source, " + std::to_string(counts.failed) +
                     " failures");
    // Every account was skipped: look again after one share of the period rather than spin.
    if (!handled_any && !wait_until(ctx, WallClock::now() + spreader.share(accounts.size()))) return;
  }
}

}  // namespace aotf::maintenance
