// The maintenance stages in a real aotfd (threads, and container processes where the mode
// matters), with the sources plugin pointed at a loopback X fixture. Periods are a few seconds;
// the test observes what an operator would: the scans in the shared segment, the rows of the
// database, the posts in the step C queue, the log.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <aotf/db/database.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "runtime/daemon_harness.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"

namespace aotf::maintenance {
namespace {

using namespace std::chrono_literals;
using aotf::test::Daemon;
using aotf::test::eventually;

constexpr const char* kTokenEnv = "AOTF_MAINTENANCE_TEST_X_TOKEN";

// Every stage off or far away unless a test turns it on.
struct Periods {
  int remove_period_s = 86400;
  int auto_update_period_s = 0;
  int reset_cursors_period_s = 0;
  int retry_period_s = 0;
  std::string extra;   // more [plugins.maintenance] keys
  std::string tables;  // more tables ([runtime], ...)
};

class MaintenanceDaemon {
public:
  MaintenanceDaemon(const std::string& name, bool multiprocessing, const Periods& periods)
      : images_host_(images_), x_(api_, images_host_) {
    ::setenv(kTokenEnv, x_.token().c_str(), 1);
    daemon_ = std::make_unique<Daemon>(
        name, multiprocessing,
        "log_level = \"debug\"\n"
        "[plugins.maintenance]\n"
        "remove_period_s = " + std::to_string(periods.remove_period_s) + "\n" +
            "auto_update_period_s = " + std::to_string(periods.auto_update_period_s) + "\n" +
            "reset_cursors_period_s = " + std::to_string(periods.reset_cursors_period_s) + "\n" +
            "retry_period_s = " + std::to_string(periods.retry_period_s) + "\n" + periods.extra + "\n" +
            "[plugins.sources.x]\n"
            "api_base_url = \"" + x_.base_url() + "\"\n" +
            "token_env = \"" + kTokenEnv + "\"\n"
            "[plugins.sources.bluesky]\n"
            "appview_base_url = \"" + api_.base_url() + "\"\n" + periods.tables);
  }

  db::Database database() { return db::Database(daemon_->dir() / "data" / "aotfd.sqlite3"); }

  void start() {
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    segment_ = shm::Segment::attach(daemon_->instance());
    ASSERT_TRUE(segment_);
  }

  [[nodiscard]] std::optional<shm::ScanSnapshot> scan(const std::string& id) {
    return shm::ScanRequests(*segment_).get("x", id);
  }

  fixtures::XFixture& x() { return x_; }
  Daemon& daemon() { return *daemon_; }
  shm::Segment& segment() { return *segment_; }

private:
  fixtures::FixtureServer api_;
  fixtures::FixtureServer images_;
  fixtures::ImageHost images_host_;
  fixtures::XFixture x_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<shm::Segment> segment_;
};

db::Account account(const std::string& id, const std::string& name, std::optional<std::string> search_saved,
                    std::optional<std::string> timeline_saved, std::optional<std::string> reset_at) {
  db::Account a;
  a.platform = "x";
  a.account_id = id;
  a.name = name;
  a.search_cursor = search_saved ? std::optional<std::string>("2019-12-31") : std::nullopt;
  a.search_saved_at = std::move(search_saved);
  a.timeline_cursor = timeline_saved ? std::optional<std::string>("100") : std::nullopt;
  a.timeline_saved_at = std::move(timeline_saved);
  a.cursor_reset_at = std::move(reset_at);
  return a;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// --- auto-update ------------------------------------------------------------------------------

class AutoUpdate : public ::testing::TestWithParam<bool> {};

// After "downtime" every account is overdue; the scans still come one share of the period apart
// (P = 12 s, 6 accounts: 2 s), an account with a scan in memory is skipped without using a
// share, and an account its platform no longer knows (deleted, or its name taken by another
// account) is pushed back instead of scanned.
TEST_P(AutoUpdate, SpreadsOverdueAccountsEvenlySkipsScannedOnesAndPushesBackGoneOnes) {
  MaintenanceDaemon d("maint_auto", GetParam(), Periods{.auto_update_period_s = 12});
  d.x().add_account("alpha", "1001");
  d.x().add_account("delta", "2005");  // the stored @delta was 1005
  d.x().add_account("beta", "1002");
  d.x().add_account("gamma", "1003");
  d.x().add_account("busy", "1006");
  {
    auto db = d.database();
    ASSERT_TRUE(db.insert_account(account("1001", "alpha", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1002", "beta", "2020-01-02T00:00:00Z", "2020-01-02T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1003", "gamma", "2020-01-03T00:00:00Z", "2020-01-03T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1004", "ghost", "2020-01-04T00:00:00Z", "2020-01-04T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1005", "delta", "2020-01-04T12:00:00Z", "2020-01-04T12:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1006", "busy", "2020-01-05T00:00:00Z", "2020-01-05T00:00:00Z", {})));
  }
  ASSERT_NO_FATAL_FAILURE(d.start());
  // A user's scan of @busy, launched before its turn (about 8 s away).
  const auto busy = shm::ScanRequests(d.segment()).launch("x", "1006", "busy", true, false);
  ASSERT_TRUE(busy.created);

  ASSERT_TRUE(eventually([&] { return d.scan("1001") && d.scan("1002") && d.scan("1003"); }, 30s)) << d.daemon().log();
  const auto a = *d.scan("1001"), b = *d.scan("1002"), c = *d.scan("1003");
  EXPECT_FALSE(a.is_priority);
  EXPECT_EQ(a.account_name, "alpha");
  // Uniform spreading: never two launches together (a burst would give gaps of milliseconds);
  // the upper bound leaves room for a slow machine.
  EXPECT_GE(b.created_ms - a.created_ms, 1800);
  EXPECT_LE(b.created_ms - a.created_ms, 7000);
  EXPECT_GE(c.created_ms - b.created_ms, 1800);
  EXPECT_LE(c.created_ms - b.created_ms, 7000);

  // @ghost is unknown to X: both cursors rewritten (dates now), no scan.
  auto db = d.database();
  ASSERT_TRUE(eventually([&] { return db.account("x", "1004")->search_saved_at != "2020-01-04T00:00:00Z"; }, 20s))
      << d.daemon().log();
  const auto ghost = *db.account("x", "1004");
  EXPECT_NE(ghost.timeline_saved_at, "2020-01-04T00:00:00Z");
  EXPECT_EQ(ghost.search_cursor, "2019-12-31");
  EXPECT_EQ(ghost.timeline_cursor, "100");
  EXPECT_FALSE(d.scan("1004"));
  // @delta now names account 2005: pushed back, and neither account scanned.
  ASSERT_TRUE(eventually([&] { return db.account("x", "1005")->search_saved_at != "2020-01-04T12:00:00Z"; }, 20s))
      << d.daemon().log();
  EXPECT_FALSE(d.scan("1005"));
  EXPECT_FALSE(d.scan("2005"));
  EXPECT_NE(d.daemon().log().find("account @delta (x 1005) is gone (the name @delta now belongs to account 2005)"),
            std::string::npos)
      << d.daemon().log();

  // @busy kept the user's scan.
  ASSERT_TRUE(eventually([&] { return d.daemon().log().find("skipped @busy (x 1006): a scan of it is in memory") !=
                                      std::string::npos; }, 20s))
      << d.daemon().log();
  EXPECT_EQ(d.scan("1006")->created_ms, busy.scan.created_ms);
  EXPECT_TRUE(d.scan("1006")->is_priority);
  EXPECT_NE(d.daemon().log().find("auto-update pass over 6 accounts: 3 scans launched, 2 gone accounts pushed back, 1 "
                                  "with a scan in memory"),
            std::string::npos)
      << d.daemon().log();
}

INSTANTIATE_TEST_SUITE_P(Modes, AutoUpdate, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "processes" : "threads"; });

// The original's STRICTLY_ENFORCE_PERIODS: overdue accounts are launched at once.
TEST(AutoUpdateStrict, LaunchesEveryOverdueAccountAtOnce) {
  MaintenanceDaemon d("maint_strict", false, Periods{.auto_update_period_s = 30, .extra = "strict_periods = true"});
  d.x().add_account("alpha", "1001");
  d.x().add_account("beta", "1002");
  d.x().add_account("gamma", "1003");
  {
    auto db = d.database();
    ASSERT_TRUE(db.insert_account(account("1001", "alpha", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1002", "beta", "2020-01-02T00:00:00Z", "2020-01-02T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1003", "gamma", {}, "2020-01-03T00:00:00Z", {})));
  }
  ASSERT_NO_FATAL_FAILURE(d.start());
  ASSERT_TRUE(eventually([&] { return d.scan("1001") && d.scan("1002") && d.scan("1003"); }, 20s)) << d.daemon().log();
  // Three launches within far less than one share (10 s).
  EXPECT_LT(d.scan("1003")->created_ms - d.scan("1001")->created_ms, 5000);
}

// A user's scan listed the account while it waited for its turn (both save dates moved): it is
// not scanned again.
TEST(AutoUpdateWait, SkipsAnAccountScannedWhileItWaited) {
  MaintenanceDaemon d("maint_meanwhile", false, Periods{.auto_update_period_s = 8});
  d.x().add_account("alpha", "1001");
  d.x().add_account("beta", "1002");
  {
    auto db = d.database();
    ASSERT_TRUE(db.insert_account(account("1001", "alpha", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1002", "beta", "2020-01-02T00:00:00Z", "2020-01-02T00:00:00Z", {})));
  }
  ASSERT_NO_FATAL_FAILURE(d.start());
  ASSERT_TRUE(eventually([&] { return d.scan("1001").has_value(); }, 20s)) << d.daemon().log();
  // @beta's turn is 4 s after @alpha's; its scan completes now.
  auto db = d.database();
  db.save_search_cursor("x", "1002", std::string("2026-01-01"));
  db.save_timeline_cursor("x", "1002", std::string("900"));
  ASSERT_TRUE(eventually([&] {
    return d.daemon().log().find("skipped @beta (x 1002): it was scanned while waiting for its turn") != std::string::npos;
  }, 20s)) << d.daemon().log();
  EXPECT_FALSE(d.scan("1002"));
}

// --- cursor resets ----------------------------------------------------------------------------

// R = 8 s over 4 accounts. An account never listed by search is left alone; a missing reset date
// is filled in with the search date; a live account gets a scan with the reset flag; an account
// whose scan already lists its search results is asked again reset_retry_s later, and gets its
// reset once that scan is gone.
TEST(ResetCursors, LaunchesScansWithTheResetFlagAndRetriesWhenAScanIsAlreadyListing) {
  MaintenanceDaemon d("maint_reset", false, Periods{.reset_cursors_period_s = 8, .extra = "reset_retry_s = 1"});
  d.x().add_account("reseta", "1101");
  d.x().add_account("never", "1102");
  d.x().add_account("nodate", "1103");
  d.x().add_account("busy", "1104");
  {
    auto db = d.database();
    ASSERT_TRUE(db.insert_account(account("1101", "reseta", "2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z",
                                          "2020-01-01T00:00:00Z")));
    ASSERT_TRUE(db.insert_account(account("1102", "never", {}, "2021-01-01T00:00:00Z", "2020-01-02T00:00:00Z")));
    ASSERT_TRUE(db.insert_account(account("1103", "nodate", "2021-03-03T00:00:00Z", "2021-03-03T00:00:00Z", {})));
    ASSERT_TRUE(db.insert_account(account("1104", "busy", "2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z",
                                          "2020-01-04T00:00:00Z")));
  }
  ASSERT_NO_FATAL_FAILURE(d.start());
  // A user's scan of @busy whose search listing started (popped by "step A").
  shm::ScanRequests scans(d.segment());
  const auto busy = scans.launch("x", "1104", "busy", true, false);
  ASSERT_TRUE(busy.created);
  const auto popped = scans.pop(shm::Listing::Search, 5s);
  ASSERT_TRUE(popped);
  ASSERT_EQ(popped->account_id, "1104");

  ASSERT_TRUE(eventually([&] { return d.scan("1101") && d.scan("1101")->reset_search_cursor; }, 20s))
      << d.daemon().log();
  EXPECT_FALSE(d.scan("1101")->is_priority);
  auto db = d.database();
  ASSERT_TRUE(eventually([&] { return db.account("x", "1103")->cursor_reset_at == "2021-03-03T00:00:00Z"; }, 20s));

  ASSERT_TRUE(eventually([&] {
    return d.daemon().log().find("the scan of @busy (x 1104) already lists its search results") != std::string::npos;
  }, 20s)) << d.daemon().log();
  EXPECT_FALSE(d.scan("1104")->reset_search_cursor);
  // The user's scan ends and is shed: the next try launches a scan that resets.
  ASSERT_TRUE(scans.fail(busy.scan.ref));
  ASSERT_TRUE(eventually([&] { return scans.shed(0) == 1; }, 5s));
  ASSERT_TRUE(eventually([&] { return d.scan("1104") && d.scan("1104")->reset_search_cursor; }, 20s))
      << d.daemon().log();

  EXPECT_FALSE(d.scan("1102")) << "an account never listed by search has no cursor to reset";
}

// --- shedding ---------------------------------------------------------------------------------

TEST(RemoveFinished, ShedsFinishedRequestsAfterTheirRetentionAndKeepsTheOthers) {
  MaintenanceDaemon d("maint_remove", false,
                      Periods{.remove_period_s = 1,
                              .extra = "user_short_problem_retention_s = 1\nuser_other_problem_retention_s = 3600\n"
                                       "user_success_retention_s = 3600\nscan_retention_s = 1"});
  const auto uploads = d.daemon().dir() / "data" / "uploads";
  std::filesystem::create_directories(uploads);
  std::ofstream(uploads / "0123456789abcdef0123456789abcdef") << "left over";
  std::ofstream(uploads / "fedcba9876543210fedcba9876543210") << "in use";
  std::filesystem::last_write_time(uploads / "0123456789abcdef0123456789abcdef",
                                   std::filesystem::file_time_type::clock::now() - 2h);
  ASSERT_NO_FATAL_FAILURE(d.start());

  shm::UserRequests users(d.segment());
  shm::ScanRequests scans(d.segment());
  const auto not_url = users.launch("not an url", "", {});
  ASSERT_TRUE(users.fail(not_url.request.ref, shm::UserError::NotAnUrl));
  const auto crashed = users.launch("https://www.deviantart.com/a/art/b-1", "", {});
  ASSERT_TRUE(users.fail(crashed.request.ref, shm::UserError::ProcessingError));
  const auto waiting = users.launch("https://www.deviantart.com/a/art/c-2", "", {});
  ASSERT_EQ(waiting.request.status, shm::UserStatus::WaitLinkFinder);
  const auto ended_scan = scans.launch("x", "1", "one", false, false);
  ASSERT_TRUE(scans.fail(ended_scan.scan.ref));
  ASSERT_TRUE(scans.launch("x", "2", "two", false, false).created);
  shm::RateLimiter limiter(d.segment());
  ASSERT_TRUE(limiter.allow("192.0.2.7"));
  ASSERT_EQ(limiter.size(), 1u);

  ASSERT_TRUE(eventually([&] { return !users.get("not an url"); }, 20s)) << d.daemon().log();
  ASSERT_TRUE(eventually([&] { return !scans.get("x", "1"); }, 20s)) << d.daemon().log();
  ASSERT_TRUE(eventually([&] { return limiter.size() == 0; }, 10s));
  ASSERT_TRUE(eventually([&] { return !std::filesystem::exists(uploads / "0123456789abcdef0123456789abcdef"); }, 10s));
  EXPECT_TRUE(users.get("https://www.deviantart.com/a/art/b-1")) << "its retention is an hour";
  EXPECT_TRUE(users.get("https://www.deviantart.com/a/art/c-2")) << "unfinished requests are never shed";
  EXPECT_TRUE(scans.get("x", "2")) << "unfinished scans are never shed";
  EXPECT_TRUE(std::filesystem::exists(uploads / "fedcba9876543210fedcba9876543210"));
  EXPECT_NE(d.daemon().log().find("shed 1 finished user requests and 1 finished scans"), std::string::npos)
      << d.daemon().log();
}

// --- retries ----------------------------------------------------------------------------------

std::vector<shm::PostToIndex> pop_posts(shm::Segment& segment, std::size_t count, std::chrono::milliseconds timeout) {
  std::vector<shm::PostToIndex> posts;
  shm::StepCQueue queue(segment);
  eventually([&] {
    auto popped = queue.pop_and_declare("maintenance_test_reader", false, 200ms);
    if (popped.item && popped.item->kind == shm::StepCItem::Post) posts.push_back(popped.item->post);
    queue.clear("maintenance_test_reader");
    return posts.size() >= count;
  }, timeout);
  return posts;
}

// Rows with an account go back to step C as they are; rows without (crash rescues) are fetched
// from the platform first; a post the platform no longer has is removed from the table; a post
// still queued is not sent twice, and is sent again once step C recorded another failure.
TEST(RetryFailed, SendsFailedPostsBackFetchesRescuedOnesAndDropsDeletedOnes) {
  MaintenanceDaemon d("maint_retry", false, Periods{.retry_period_s = 2, .extra = "retry_batch_window_s = 1"});
  d.x().add_account("poster", "1201");
  const std::string existing = d.x().add_tweet({.author_id = "1201", .media = {{"photo", 7}, {"photo", 8}}});
  {
    auto db = d.database();
    db::RetryPost stored;
    stored.platform = "x";
    stored.post_id = "555";
    stored.account_id = "1201";
    stored.image_urls = {"https://pbs.example/media/a.jpg", "https://pbs.example/media/b.jpg", std::nullopt, std::nullopt};
    stored.last_retry_at = "2020-01-01T00:00:00Z";
    stored.retries_count = 1;
    ASSERT_TRUE(db.insert_retry(stored));
    ASSERT_TRUE(db.rescue_post("x", existing));
    ASSERT_TRUE(db.rescue_post("x", "1699999999999999999"));
  }
  ASSERT_NO_FATAL_FAILURE(d.start());

  auto posts = pop_posts(d.segment(), 2, 20s);
  ASSERT_EQ(posts.size(), 2u) << d.daemon().log();
  std::sort(posts.begin(), posts.end(), [](const auto& a, const auto& b) { return a.post_id < b.post_id; });
  const auto& fetched = posts[0].post_id == existing ? posts[0] : posts[1];
  const auto& stored = posts[0].post_id == "555" ? posts[0] : posts[1];
  ASSERT_EQ(fetched.post_id, existing);
  ASSERT_EQ(stored.post_id, "555");
  EXPECT_EQ(stored.platform, "x");
  EXPECT_EQ(stored.account_id, "1201");
  EXPECT_EQ(stored.image_urls,
            (std::vector<std::string>{"https://pbs.example/media/a.jpg", "https://pbs.example/media/b.jpg"}));
  EXPECT_TRUE(stored.force_index);
  EXPECT_TRUE(stored.was_failed_post);
  EXPECT_EQ(fetched.account_id, "1201");
  EXPECT_EQ(fetched.image_urls,
            (std::vector<std::string>{d.x().photo_download_url(7), d.x().photo_download_url(8)}));
  EXPECT_TRUE(fetched.force_index);
  EXPECT_TRUE(fetched.was_failed_post);

  auto db = d.database();
  ASSERT_TRUE(eventually([&] { return !db.retry("x", "1699999999999999999"); }, 10s)) << d.daemon().log();
  EXPECT_TRUE(db.retry("x", "555"));
  EXPECT_TRUE(db.retry("x", existing));

  // Two more passes while both rows are unchanged: nothing is queued again.
  const std::size_t passes = count_of(d.daemon().log(), "retry pass over");
  ASSERT_TRUE(eventually([&] { return count_of(d.daemon().log(), "retry pass over") >= passes + 2; }, 20s));
  EXPECT_EQ(shm::StepCQueue(d.segment()).size(), 0u);
  EXPECT_NE(d.daemon().log().find("2 still queued"), std::string::npos) << d.daemon().log();

  // Step C failed the stored post again: it is sent once more when due (2 s later).
  db::RetryPost again;
  again.platform = "x";
  again.post_id = "555";
  again.account_id = "1201";
  db.upsert_retry(again);
  const auto resent = pop_posts(d.segment(), 1, 20s);
  ASSERT_EQ(resent.size(), 1u) << d.daemon().log();
  EXPECT_EQ(resent[0].post_id, "555");
  EXPECT_EQ(resent[0].image_urls.size(), 2u);
}

// Step C is far behind (its queue holds 64 posts): the pass stops pushing at the first refusal
// instead of waiting for every row, and the rows left are sent by a later pass: none is lost.
TEST(RetryFailed, AFullStepCQueueDefersTheRestToTheNextPass) {
  MaintenanceDaemon d("maint_full", false, Periods{.retry_period_s = 2, .tables = "[runtime]\nstep_c_queue = 64\n"});
  {
    auto db = d.database();
    for (int i = 0; i < 70; ++i) {
      db::RetryPost row;
      row.platform = "x";
      row.post_id = std::to_string(5000 + i);
      row.account_id = "1201";
      row.image_urls = {"https://pbs.example/media/" + std::to_string(i) + ".jpg", std::nullopt, std::nullopt,
                        std::nullopt};
      row.last_retry_at = "2020-01-01T00:00:00Z";
      ASSERT_TRUE(db.insert_retry(row));
    }
  }
  ASSERT_NO_FATAL_FAILURE(d.start());
  ASSERT_TRUE(eventually([&] { return d.daemon().log().find("retry pass over 70 failed posts") != std::string::npos; },
                         30s))
      << d.daemon().log();
  EXPECT_NE(d.daemon().log().find("retry pass over 70 failed posts: 64 sent to indexing (0 fetched again), 0 no longer "
                                  "on their platform and removed, 0 still queued, 6 left for the next pass"),
            std::string::npos)
      << d.daemon().log();
  EXPECT_EQ(count_of(d.daemon().log(), "the step C queue stays full"), 1u);

  std::set<std::string> ids;
  for (const auto& post : pop_posts(d.segment(), 70, 30s)) ids.insert(post.post_id);
  EXPECT_EQ(ids.size(), 70u) << d.daemon().log();
}

// --- stopping ---------------------------------------------------------------------------------

class Stopping : public ::testing::TestWithParam<bool> {};

// Every stage is in one of its long waits (an empty database, a 6-hour retry period, a 10-minute
// shedding period): SIGTERM still ends the daemon well within its stop timeout (3 s), no worker
// abandoned, no container killed.
TEST_P(Stopping, EveryStageStopsWithinASecondOfSigterm) {
  MaintenanceDaemon d("maint_stop", GetParam(),
                      Periods{.remove_period_s = 600, .auto_update_period_s = 86400, .reset_cursors_period_s = 86400,
                              .retry_period_s = 21600});
  ASSERT_NO_FATAL_FAILURE(d.start());
  ASSERT_TRUE(eventually([&] { return d.daemon().log().find("retry pass over 0 failed posts") != std::string::npos; },
                         20s))
      << d.daemon().log();
  const auto started = std::chrono::steady_clock::now();
  d.daemon().signal(SIGTERM);
  EXPECT_EQ(d.daemon().wait_exit(10s), 0) << d.daemon().log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2900ms) << d.daemon().log();
  EXPECT_EQ(d.daemon().log().find("abandoned"), std::string::npos) << d.daemon().log();
  EXPECT_EQ(d.daemon().log().find("did not stop within the stop timeout"), std::string::npos) << d.daemon().log();
}

INSTANTIATE_TEST_SUITE_P(Modes, Stopping, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "processes" : "threads"; });

}  // namespace
}  // namespace aotf::maintenance
