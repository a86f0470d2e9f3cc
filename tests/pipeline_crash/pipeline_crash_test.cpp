// kill -9 in the middle of a first-time scan, restart, scan again: every post is stored exactly
// once and the cursors equal the newest listed post. See README.md.
#include <gtest/gtest.h>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "scan_rig.hpp"

namespace aotf::test {
namespace {

constexpr int kPosts = 80;

struct KillCase {
  const char* name;
  bool multiprocessing;
  bool only_step_c;  // kill the step C container alone (else aotfd and every container)
  int percent;       // kill once the database holds this share of the posts
};

bool scan_settled(ScanDaemon& d, std::chrono::milliseconds timeout = 90s) {
  auto segment = shm::Segment::attach(d.instance());
  shm::ScanRequests scans(*segment);
  shm::StepCQueue queue(*segment);
  return eventually(
      [&] {
        auto scan = scans.get("x", "1001");
        return scan && scan->ended() && queue.size() == 0 && queue.indexing_snapshot().empty();
      },
      timeout);
}

class PipelineCrash : public testing::TestWithParam<KillCase> {};

TEST_P(PipelineCrash, AfterAKillAndAnotherScanEveryPostIsStoredOnceWithTheNewestCursors) {
  const KillCase& c = GetParam();
  ScanRig rig;
  rig.x.add_account("artist", "1001");
  const std::vector<std::string> ids = rig.add_tweets("1001", kPosts, 2);
  rig.image_delay_ms = 25;  // 80 posts take 2 s or more: the kill points are easy to catch
  auto d = rig.start(std::string(c.name).substr(0, 12), c.multiprocessing);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");

  const int kill_at = kPosts * c.percent / 100;
  db::Database db = open_database(*d);
  ASSERT_TRUE(eventually([&] { return db.count_posts() >= kill_at; }, 60s)) << d->log();
  if (c.only_step_c) {
    const pid_t step_c = d->worker_pids()["stepC_index_posts_th1"];
    ASSERT_GT(step_c, 0) << d->ctl("threads");
    ASSERT_NE(step_c, d->pid());
    ::kill(step_c, SIGKILL);
    const std::int64_t at_kill = db.count_posts();
    ASSERT_LT(at_kill, kPosts) << "killed in the middle of the scan";
    ASSERT_TRUE(eventually([&] {
      const pid_t now = d->worker_pids()["stepC_index_posts_th1"];
      return now > 0 && now != step_c;
    }, 30s)) << "the supervisor restarts the container\n" << d->log();
  } else {
    d->kill_hard();
    const std::int64_t at_kill = db.count_posts();
    ASSERT_LT(at_kill, kPosts) << "killed in the middle of the scan";
    const auto left = db.account("x", "1001");
    EXPECT_FALSE(left && (left->search_cursor || left->timeline_cursor))
        << "no cursor is saved before every post listed before it is committed";
    ASSERT_TRUE(d->start()) << d->log();
  }
  // The first scan ends (it failed when its step C worker died in the middle of a post), or the
  // daemon restarted without it. Scanning again lists what is missing.
  if (c.only_step_c) {
    ASSERT_TRUE(scan_settled(*d)) << d->log();
    // Both step C workers were downloading when the container died (every image answer takes
    // 25 ms): the restarted workers keep the posts they held and fail the scan.
    EXPECT_NE(d->log().find("restarted after a crash while indexing post"), std::string::npos) << d->log();
    EXPECT_NE(d->log().find("; the scan of account 1001 fails"), std::string::npos) << d->log();
  }
  const std::string answer = d->ctl("scan x:artist");
  EXPECT_TRUE(answer.rfind("new scan of x:artist (ID 1001) queued", 0) == 0 ||
              answer.find("both listings were indexed") != std::string::npos)
      << answer;
  ASSERT_TRUE(scan_settled(*d)) << d->log();

  EXPECT_EQ(db.count_posts(), kPosts) << "every post exactly once";
  for (const auto& id : ids) {
    const auto post = db.post("x", id);
    ASSERT_TRUE(post) << id;
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(post->images[i].fingerprint, expected_fingerprint(rig.seeds(id)[i])) << id << " image " << i + 1;
    }
  }
  const auto account = db.account("x", "1001");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->search_cursor, ids.back());
  EXPECT_EQ(account->timeline_cursor, ids.back());
}

INSTANTIATE_TEST_SUITE_P(
    KillPoints, PipelineCrash,
    testing::Values(KillCase{"daemon_threads_25", false, false, 25}, KillCase{"daemon_threads_50", false, false, 50},
                    KillCase{"daemon_threads_75", false, false, 75}, KillCase{"daemon_processes_25", true, false, 25},
                    KillCase{"daemon_processes_50", true, false, 50}, KillCase{"daemon_processes_75", true, false, 75},
                    KillCase{"step_c_container_25", true, true, 25}, KillCase{"step_c_container_50", true, true, 50},
                    KillCase{"step_c_container_75", true, true, 75}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace aotf::test
