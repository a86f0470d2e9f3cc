// reset_search_cursors (reference §6 "Reset search cursors", without defect 16.2: the reset
// flag is passed, and every postponed account is a copy of its row, never a shared object).
#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>

#include "account_refresh.hpp"
#include "schedule.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::maintenance {

namespace {

struct Postponed {
  db::Account account;
  std::string current_name;
  WallClock::time_point next_try;
};

class CursorResets {
public:
  CursorResets(StageContext& ctx, const Settings& settings)
      : ctx_(ctx), settings_(settings), scans_(ctx.segment()), me_(ctx.worker_name()) {}

  // Launches a normal scan asking for the reset. Step A clears the cursor right before it lists,
  // so the reset is done once the scan carries the flag. A scan whose search listing already
  // started cannot take it: the account is asked again reset_retry_s later.
  void request_reset(const db::Account& account, const std::string& current_name) {
    std::erase_if(postponed_, [&](const Postponed& p) {
      return p.account.platform == account.platform && p.account.account_id == account.account_id;
    });
    try {
      const shm::ScanLaunch launch = scans_.launch(account.platform, account.account_id, current_name, false, true);
      if (launch.created || launch.scan.reset_search_cursor) {
        ++launched_;
        log_debug(me_, "launched a scan of " + describe_account(account) + " that resets its search cursor");
        return;
      }
      log_debug(me_, "the scan of " + describe_account(account) +
                         " already lists its search results; asking again for the reset in " +
                         std::to_string(settings_.reset_retry.count()) + " s");
    } catch (const std::exception& e) {
      log_warning(me_, "cannot launch a scan of " + describe_account(account) + " (asking again in " +
                           std::to_string(settings_.reset_retry.count()) + " s): " + e.what());
    }
    ++postponed_count_;
    postponed_.push_back({account, current_name, WallClock::now() + settings_.reset_retry});
  }

  // Retries the postponed accounts whose time came (runs between the slices of every wait).
  void retry_due() {
    const auto now = WallClock::now();
    std::vector<Postponed> due;
    for (const auto& p : postponed_) {
      if (p.next_try <= now) due.push_back(p);
    }
    for (const auto& p : due) request_reset(p.account, p.current_name);
  }

  bool wait_until(WallClock::time_point deadline) {
    return maintenance::wait_until(ctx_, deadline, [this] { retry_due(); });
  }

  std::size_t take_launched() { return std::exchange(launched_, 0); }
  std::size_t take_postponed() { return std::exchange(postponed_count_, 0); }

private:
  StageContext& ctx_;
  const Settings& settings_;
  shm::ScanRequests scans_;
  std::string me_;
  std::vector<Postponed> postponed_;
  std::size_t launched_ = 0;
  std::size_t postponed_count_ = 0;
};

}  // namespace

void reset_search_cursors(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  const std::string& me = ctx.worker_name();
  if (settings.reset_period.count() == 0) {
    log_info(me, "search-cursor resets are off (reset_cursors_period_s = 0)");
    while (ctx.sleep_for(std::chrono::seconds(1))) {
    }
    return;
  }
  db::Database db = db::Database::of_daemon(ctx.host());
  CursorResets resets(ctx, settings);
  Spreader spreader(std::chrono::duration_cast<milliseconds>(settings.reset_period), settings.strict_periods);

  while (ctx.running()) {
    const auto accounts = db.accounts_by_cursor_reset_date();
    if (accounts.empty()) {
      if (!resets.wait_until(WallClock::now() + settings.empty_database_wait)) return;
      continue;
    }
    std::size_t never_listed = 0, filled = 0, changed = 0, gone = 0, failed = 0;
    bool handled_any = false;
    for (const db::Account& account : accounts) {
      if (!ctx.running()) return;
      resets.retry_due();
      // Nothing to reset before the search listing completed once.
      if (!account.search_saved_at) {
        ++never_listed;
        continue;
      }
      if (!account.cursor_reset_at) {
        db.set_cursor_reset_date(account.platform, account.account_id, *account.search_saved_at);
        ++filled;
        continue;
      }
      const auto wait = spreader.wait_before(accounts.size(), parse_db_date(account.cursor_reset_at), WallClock::now());
      if (wait.count() > 0 && !resets.wait_until(WallClock::now() + wait)) return;
      const Spreader::HandledMark mark(spreader);  // the next share counts from the end of this one
      handled_any = true;

      const auto fresh = db.account(account.platform, account.account_id);
      if (!fresh || fresh->cursor_reset_at != account.cursor_reset_at) {
        ++changed;  // reset meanwhile (a scan with the reset flag ran)
        continue;
      }
      const AccountCheck check = check_account(ctx, *fresh, "reset_search_cursors");
      if (check.liveness == Liveness::alive) {
        resets.request_reset(*fresh, check.current_name);
      } else if (check.liveness == Liveness::failed) {
        ++failed;
        log_warning(me, "cannot check " + describe_account(*fresh) + " (skipped until the next pass): " + check.reason);
      } else {
        ++gone;
        log_debug(me, "no reset for " + describe_account(*fresh) + ": " + check.reason);
      }
    }
    log_info(me, "cursor-reset pass over " + std::to_string(accounts.size()) + " accounts: " +
                     std::to_string(resets.take_launched()) + " scans launched with a reset, " +
                     std::to_string(resets.take_postponed()) + " postponed, " + std::to_string(filled) +
                     " reset dates filled in, " + std::to_string(never_listed) + " never listed, " +
                     std::to_string(changed) + " reset meanwhile, " + std::to_string(gone) + " gone or without a source, " +
                     std::to_string(failed) + " failures");
    if (!handled_any && !resets.wait_until(WallClock::now() + spreader.share(accounts.size()))) return;
  }
}

}  // namespace aotf::maintenance
