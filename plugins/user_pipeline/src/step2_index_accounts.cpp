// Step 2 (reference 4.5, for every platform): launch a priority scan of each account that needs
// one, then follow the scans until they all ended.
#include <chrono>
#include <string>
#include <vector>

#include <aotf/db/database.hpp>
#include <aotf/image/fingerprint.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>

#include "scan_decision.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::user_pipeline {
namespace {

using namespace std::chrono_literals;

// A request seen less than this long ago waits kRevisitPause first (the original's rule), so a
// request waiting for its scans is looked at every few seconds, not in a busy loop.
constexpr std::int64_t kRevisitWindowMs = 5000;
constexpr auto kRevisitPause = 3s;


// First visit: decides, under the step 2 mutex of the whole daemon, which accounts get a scan.
void launch_scans(StageContext& ctx, const Settings& settings, db::Database& database, shm::UserRequests& users,
                  const shm::UserRequestSnapshot& request) {
  shm::ScanRequests scans(ctx.segment());
  std::vector<shm::RequestRef> launched;
  bool first_time = false;
  {
    shm::RobustLock lock(users.step2_first_visit_mutex());
    for (const auto& account : request.accounts) {
      const ScanDecision decision =
          decide_scan(database.account(account.platform, account.id), request.published_ms, settings.posting_margin);
      if (decision == ScanDecision::None) continue;
      const auto scan = scans.launch(account.platform, account.id, account.name, /*priority=*/true,
                                     /*reset_search_cursor=*/false, shm::wall_ms(), settings.recent_scan.count());
      launched.push_back(scan.scan.ref);
      if (decision == ScanDecision::FirstTime) first_time = true;
      log_info(ctx.worker_name(), request.input_url + ": " +
                                      (decision == ScanDecision::FirstTime ? "first scan" : "update scan") + " of " +
                                      account.platform + " account @" + account.name +
                                      (scan.created ? "" : " (joined a scan already there)"));
    }
    users.set_scans(request.ref, launched, first_time);
  }
  users.next_step(request.ref);  // INDEX_ACCOUNTS_TWEETS
}

void follow_scans(StageContext& ctx, shm::UserRequests& users, const shm::RequestRef& ref) {
  const auto request = users.get(ref);
  if (!request || request->status != shm::UserStatus::IndexAccounts) return;
  shm::ScanRequests scans(ctx.segment());
  bool all_ended = true;
  for (const auto& scan_ref : request->scans) {
    const auto scan = scans.get(scan_ref);
    if (!scan) continue;  // shed: it ended long ago
    if (!scan->ended()) {
      all_ended = false;
      continue;
    }
    if (scan->has_failed || scan->unfound || scan->blocklisted) {
      log_warning(ctx.worker_name(), request->input_url + ": the scan of " + scan->platform + " account @" +
                                         scan->account_name + " " +
                                         (scan->has_failed ? "failed" : scan->unfound ? "found no such account"
                                                                                       : "met a blocklisted account"));
      users.fail(ref, shm::UserError::ProcessingError);
      return;
    }
  }
  if (all_ended) {
    users.next_step(ref);  // WAIT_IMAGE_REVERSE_SEARCH
  } else {
    users.requeue_index_accounts(ref);
  }
}

}  // namespace

void run_step2_index_accounts(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  shm::UserRequests users(ctx.segment());
  db::Database database = db::Database::of_daemon(ctx.host());
  while (ctx.running()) {
    const auto request = users.pop(shm::UserStep::IndexAccounts, 1s);
    if (!request) continue;
    ctx.declare(request->ref, "following the scans of " + request->input_url);
    const auto previous = users.touch_indexer(request->ref);
    if (previous && *previous != 0 && shm::wall_ms() - *previous < kRevisitWindowMs) ctx.sleep_for(kRevisitPause);
    if (!request->scans_launched) launch_scans(ctx, settings, database, users, *request);
    follow_scans(ctx, users, request->ref);
    ctx.clear_declaration();
  }
}

}  // namespace aotf::user_pipeline
