// The scan pipeline as an operator sees it: a real aotfd with this plugin and the sources plugin,
// X and Bluesky fixtures on loopback, the `scan` command, and the database it fills.
#include <gtest/gtest.h>

#include <atomic>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "scan_rig.hpp"

namespace aotf::test {
namespace {

using fixtures::Fault;

std::string short_name() {
  std::string n = testing::UnitTest::GetInstance()->current_test_info()->name();
  n = n.substr(0, n.find('/'));
  return n.substr(0, 14);
}

// Waits until the scan of (platform, id) ended and step C has nothing left to do.
bool scan_settled(ScanDaemon& d, const std::string& platform, const std::string& id,
                  std::chrono::milliseconds timeout = 60s) {
  auto segment = shm::Segment::attach(d.instance());
  shm::ScanRequests scans(*segment);
  shm::StepCQueue queue(*segment);
  return eventually(
      [&] {
        auto scan = scans.get(platform, id);
        return scan && scan->ended() && queue.size() == 0 && queue.indexing_snapshot().empty();
      },
      timeout);
}

std::optional<shm::ScanSnapshot> scan_of(ScanDaemon& d, const std::string& platform, const std::string& id) {
  auto segment = shm::Segment::attach(d.instance());
  return shm::ScanRequests(*segment).get(platform, id);
}

// Launches a scan as step 2 does (the test attaches to the daemon's segment).
shm::RequestRef launch(ScanDaemon& d, const std::string& platform, const std::string& id, const std::string& name,
                       bool priority = false) {
  auto segment = shm::Segment::attach(d.instance());
  return shm::ScanRequests(*segment).launch(platform, id, name, priority, false).scan.ref;
}

class ScanPipeline : public testing::TestWithParam<bool> {
protected:
  bool multiprocessing() const { return GetParam(); }
  ScanRig rig;
};

TEST_P(ScanPipeline, AScanIndexesEveryPostWithPhotosOnceAndSavesTheNewestCursors) {
  rig.x.add_account("artist", "1001");
  fixtures::XTweet text_only;
  text_only.author_id = "1001";
  rig.x.add_tweet(text_only);  // listed by nobody: no photo
  std::vector<std::string> ids = rig.add_tweets("1001", 12, 1);
  for (const auto& id : rig.add_tweets("1001", 12, 3)) ids.push_back(id);
  auto d = rig.start(short_name(), multiprocessing());
  ASSERT_TRUE(d) << "daemon did not start";

  EXPECT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  auto scan = scan_of(*d, "x", "1001");
  ASSERT_TRUE(scan);
  EXPECT_TRUE(scan->finished_search && scan->finished_timeline && !scan->has_failed);

  db::Database db = open_database(*d);
  EXPECT_EQ(db.count_posts("x"), 24) << "every post with photos, once (both listings list each)";
  for (const auto& id : ids) {
    auto post = db.post("x", id);
    ASSERT_TRUE(post) << id;
    EXPECT_EQ(post->account_id, "1001");
    const auto& seeds = rig.seeds(id);
    for (std::size_t i = 0; i < 4; ++i) {
      if (i < seeds.size()) {
        EXPECT_EQ(post->images[i].name, std::to_string(seeds[i]) + ".jpg") << id << " image " << i + 1;
        EXPECT_EQ(post->images[i].fingerprint, expected_fingerprint(seeds[i])) << id << " image " << i + 1;
      } else {
        EXPECT_FALSE(post->images[i].name) << id << " image " << i + 1;
      }
    }
  }
  auto account = db.account("x", "1001");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->search_cursor, ids.back()) << "the newest listed post";
  EXPECT_EQ(account->timeline_cursor, ids.back());
  EXPECT_EQ(account->name, "artist");
  EXPECT_EQ(db.count_retries(), 0);

  const std::string again = d->ctl("scan x:artist");
  EXPECT_NE(again.find("a scan of x:artist (ID 1001) ended"), std::string::npos) << again;
  EXPECT_NE(again.find("both listings were indexed"), std::string::npos) << again;

  const std::string metrics = d->ctl("metrics");
  for (const char* series : {"stepA listing per post", "stepB listing per post", "stepC per post",
                             "stepC image download", "stepC image fingerprint", "stepC database insert",
                             "scan creation to end"}) {
    EXPECT_NE(metrics.find(series), std::string::npos) << series << "\n" << metrics;
  }

  // A later scan (after a restart forgets the finished one) lists only the newer posts.
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait_exit(15s), 0) << d->log();
  const std::vector<std::string> newer = rig.add_tweets("1001", 3, 2);
  rig.api.clear_requests();
  rig.images.clear_requests();
  ASSERT_TRUE(d->start()) << d->log();
  EXPECT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  EXPECT_EQ(db.count_posts("x"), 27);
  account = db.account("x", "1001");
  EXPECT_EQ(account->search_cursor, newer.back());
  EXPECT_EQ(account->timeline_cursor, newer.back());
  for (const auto& r : rig.api.requests()) {
    if (r.path.find("/tweets") != std::string::npos) {
      EXPECT_NE(r.query.find("since_id=" + ids.back()), std::string::npos) << r.target;
    }
  }
  EXPECT_EQ(rig.images.requests().size(), 6u) << "only the 3 new posts' 6 photos are downloaded";
}

TEST_P(ScanPipeline, ABlueskyAccountIsIndexedFromItsAuthorFeed) {
  rig.bsky.add_account("someone.bsky.social", "did:plc:someone");
  const std::vector<std::string> uris = rig.bsky.add_posts("did:plc:someone", 7, 2);
  auto d = rig.start(short_name(), multiprocessing());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ctl("scan bluesky:someone.bsky.social"),
            "new scan of bluesky:someone.bsky.social (ID did:plc:someone) queued\n");
  ASSERT_TRUE(scan_settled(*d, "bluesky", "did:plc:someone")) << d->log();
  db::Database db = open_database(*d);
  EXPECT_EQ(db.count_posts("bluesky"), 7);
  for (const auto& uri : uris) {
    auto post = db.post("bluesky", uri);
    ASSERT_TRUE(post) << uri;
    EXPECT_TRUE(post->images[0].fingerprint && post->images[1].fingerprint) << uri;
  }
  auto account = db.account("bluesky", "did:plc:someone");
  ASSERT_TRUE(account);
  EXPECT_TRUE(account->timeline_cursor.has_value());
  EXPECT_FALSE(account->search_cursor.has_value()) << "Bluesky has no search lister";
}

INSTANTIATE_TEST_SUITE_P(Modes, ScanPipeline, testing::Values(false, true),
                         [](const auto& info) { return info.param ? "processes" : "threads"; });

class ScanPipelineThreads : public testing::Test {
protected:
  ScanRig rig;
};

TEST_F(ScanPipelineThreads, LostImagesAreStoredEmptyBadGatewayIsRetriedATruncatedImageIsKeptForARetry) {
  rig.x.add_account("artist", "1001");
  const auto lost = rig.add_tweets("1001", 1, 2);
  const auto gateway = rig.add_tweets("1001", 1, 1);
  const auto truncated = rig.add_tweets("1001", 1, 1);
  const std::uint32_t lost_seed = rig.seeds(lost[0])[1];
  const std::uint32_t gateway_seed = rig.seeds(gateway[0])[0];
  const std::uint32_t truncated_seed = rig.seeds(truncated[0])[0];
  const std::string lost_path = "/media/" + std::to_string(lost_seed) + ".jpg";
  const std::string gateway_path = "/media/" + std::to_string(gateway_seed) + ".jpg";
  const std::string truncated_path = "/media/" + std::to_string(truncated_seed) + ".jpg";
  rig.image_faults.push(Fault{lost_path, Fault::Mode::Answer, 404, "gone", "text/plain", {}, 100});
  rig.image_faults.push(Fault{gateway_path, Fault::Mode::Answer, 502, "bad gateway", "text/plain", {}, 2});
  rig.image_faults.push(Fault{truncated_path, Fault::Mode::Truncated, 200, "\xff\xd8\xff\xe0 part", "image/jpeg", {}, 100});
  auto d = rig.start(short_name(), false);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();

  db::Database db = open_database(*d);
  auto post = db.post("x", lost[0]);
  ASSERT_TRUE(post);
  EXPECT_TRUE(post->images[0].fingerprint) << "the other image of the post is indexed";
  EXPECT_EQ(post->images[1].name, std::to_string(lost_seed) + ".jpg") << "a lost image keeps its name";
  EXPECT_FALSE(post->images[1].fingerprint) << "and has no fingerprint";
  EXPECT_FALSE(db.retry("x", lost[0])) << "a lost image is not retried";
  EXPECT_EQ(rig.images.count(lost_path), 1u);

  post = db.post("x", gateway[0]);
  ASSERT_TRUE(post);
  EXPECT_EQ(post->images[0].fingerprint, expected_fingerprint(gateway_seed)) << "502 twice, then the image";
  EXPECT_EQ(rig.images.count(gateway_path), 3u);
  EXPECT_FALSE(db.retry("x", gateway[0]));

  post = db.post("x", truncated[0]);
  ASSERT_TRUE(post) << "stored even without fingerprint";
  EXPECT_FALSE(post->images[0].fingerprint);
  auto retry = db.retry("x", truncated[0]);
  ASSERT_TRUE(retry) << "a truncated image keeps the post for a re-index";
  EXPECT_EQ(retry->account_id, "1001");
  EXPECT_EQ(retry->image_urls[0], rig.x.photo_download_url(truncated_seed));
  EXPECT_EQ(rig.images.count(truncated_path), 2u) << "one retry";
  EXPECT_NE(d->log().find("kept for a later re-index"), std::string::npos);
  auto account = db.account("x", "1001");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->timeline_cursor, truncated[0]) << "the cursor moves: the retry table holds the failed post";
}

TEST_F(ScanPipelineThreads, AForcedReindexOfAFailedPostReplacesItAndLeavesTheRetryTable) {
  rig.x.add_account("artist", "1001");
  const auto ids = rig.add_tweets("1001", 2, 1);
  const std::uint32_t seed = rig.seeds(ids[0])[0];
  rig.image_faults.push(Fault{"/media/" + std::to_string(seed) + ".jpg", Fault::Mode::Truncated, 200, "\xff\xd8 part",
                              "image/jpeg", {}, 2});
  auto d = rig.start(short_name(), false);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  db::Database db = open_database(*d);
  ASSERT_TRUE(db.retry("x", ids[0]));
  ASSERT_FALSE(db.post("x", ids[0])->images[0].fingerprint);

  // What the maintenance plugin's retry worker pushes once the image host answers again.
  auto segment = shm::Segment::attach(d->instance());
  shm::PostToIndex again;
  again.platform = "x";
  again.post_id = ids[0];
  again.account_id = "1001";
  again.image_urls = {rig.x.photo_download_url(seed)};
  again.force_index = true;
  again.was_failed_post = true;
  shm::StepCQueue(*segment).push(again);
  ASSERT_TRUE(eventually([&] { return !db.retry("x", ids[0]); })) << d->log();
  EXPECT_EQ(db.post("x", ids[0])->images[0].fingerprint, expected_fingerprint(seed)) << "replaced, not kept";
  EXPECT_EQ(db.count_posts(), 2);
}

TEST_F(ScanPipelineThreads, AResetScanClearsTheSearchCursorBeforeListing) {
  rig.x.add_account("artist", "1001");
  const auto ids = rig.add_tweets("1001", 3, 1);
  auto d = rig.start(short_name(), false);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  db::Database db = open_database(*d);
  const auto before = db.account("x", "1001");
  ASSERT_TRUE(before && before->search_cursor == ids.back());
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait_exit(15s), 0);
  rig.api.clear_requests();
  ASSERT_TRUE(d->start()) << d->log();
  auto segment = shm::Segment::attach(d->instance());
  ASSERT_TRUE(shm::ScanRequests(*segment).launch("x", "1001", "artist", false, true).created);
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  bool searched_everything = false;
  for (const auto& r : rig.api.requests()) {
    if (r.path.rfind("/2/tweets/search", 0) == 0) searched_everything = r.query.find("since_id") == std::string::npos;
    if (r.path == "/2/users/1001/tweets") {
      EXPECT_NE(r.query.find("since_id=" + ids.back()), std::string::npos) << "the timeline cursor stays";
    }
  }
  EXPECT_TRUE(searched_everything) << "the search lists from the start again";
  EXPECT_NE(d->log().find("search cursor of @artist (x 1001) reset before listing"), std::string::npos) << d->log();
  const auto after = db.account("x", "1001");
  EXPECT_EQ(after->search_cursor, ids.back()) << "saved again after the new listing";
  EXPECT_EQ(db.count_posts(), 3) << "posts listed again are not stored twice";
}

TEST_F(ScanPipelineThreads, UnfoundSuspendedPrivateBlocklistedAndUnsupportedAccountsEndTheirScan) {
  rig.x.add_account("banned", "2002", fixtures::XFixture::UserState::suspended);
  rig.x.add_account("secret", "2003", fixtures::XFixture::UserState::protected_account);
  rig.x.add_account("listed", "2004");
  rig.add_tweets("2004", 2, 1);
  auto d = rig.start(short_name(), false, "blocklist = [\"x:2004\"]\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ctl("scan x:banned"), "x:banned cannot be scanned: the account is suspended\n");
  EXPECT_EQ(d->ctl("scan x:listed"), "x:listed (ID 2004) is in the blocklist of [plugins.scan_pipeline]: not scanned\n");
  EXPECT_NE(d->ctl("scan x:much_too_long_for_x").find("is not an X username"), std::string::npos);
  EXPECT_NE(d->ctl("scan mastodon:someone").find("no source for platform \"mastodon\""), std::string::npos);

  // Scans launched by the user pipeline (step 2) go through steps A and B.
  launch(*d, "x", "2001", "ghost");
  launch(*d, "x", "2002", "banned");
  launch(*d, "x", "2003", "secret");
  launch(*d, "x", "2004", "listed");
  for (const char* id : {"2001", "2002", "2003", "2004"}) {
    ASSERT_TRUE(scan_settled(*d, "x", id, 30s)) << id << "\n" << d->log();
  }
  EXPECT_TRUE(scan_of(*d, "x", "2001")->unfound);
  EXPECT_TRUE(scan_of(*d, "x", "2002")->unfound);
  EXPECT_TRUE(scan_of(*d, "x", "2003")->unfound);
  EXPECT_TRUE(scan_of(*d, "x", "2004")->blocklisted);
  EXPECT_EQ(rig.api.count("/2/users/by/username/listed"), 1u) << "only the command's look-up";
  EXPECT_EQ(rig.api.count("/2/users/2004/tweets"), 0u) << "a blocklisted account is never listed";
  EXPECT_EQ(open_database(*d).count_posts(), 0);
  EXPECT_NE(d->log().find("@ghost (x 2001) cannot be listed: not found; the scan ends"), std::string::npos) << d->log();
  // A platform no loaded plugin provides: the scan fails, and the log says how to fix it.
  launch(*d, "mastodon", "77", "someone");
  ASSERT_TRUE(scan_settled(*d, "mastodon", "77", 30s)) << d->log();
  EXPECT_TRUE(scan_of(*d, "mastodon", "77")->has_failed);
  EXPECT_NE(d->log().find("cannot scan @someone (mastodon 77): no source for platform \"mastodon\" is loaded or enabled"),
            std::string::npos)
      << d->log();
  auto segment = shm::Segment::attach(d->instance());
  EXPECT_EQ(shm::pipeline_counts(*segment).processing_scan, 0u) << "every scan ended";
}

TEST_F(ScanPipelineThreads, AListingErrorFailsTheScanAndSavesNoCursor) {
  rig.x.add_account("artist", "1001");
  const auto ids = rig.add_tweets("1001", 5, 1);
  rig.x.inject(Fault{"/2/users/1001/tweets", Fault::Mode::Answer, 401,
                     R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})",
                     "application/json", {}, 1});
  // Step A's search answers only once step B failed, so its listing completes after the failure.
  std::atomic<bool> failed{false};
  rig.api.routes().set_pre_routing_handler([&](const httplib::Request& req, httplib::Response&) {
    if (req.path.rfind("/2/tweets/search", 0) == 0) eventually([&] { return failed.load(); }, 30s);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto d = rig.start(short_name(), false);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->ctl("scan x:artist"), "new scan of x:artist (ID 1001) queued\n");
  ASSERT_TRUE(eventually([&] {
    auto scan = scan_of(*d, "x", "1001");
    return scan && scan->has_failed;
  })) << d->log();
  failed = true;
  ASSERT_TRUE(scan_settled(*d, "x", "1001")) << d->log();
  ASSERT_TRUE(eventually([&] { return !d->error_log("stepB_list_timeline").empty(); }));
  EXPECT_NE(d->error_log("stepB_list_timeline").find("401"), std::string::npos) << d->error_log("stepB_list_timeline");
  // Step A's listing is indexed (nothing listed is lost), but no cursor of a failed scan is saved.
  db::Database db = open_database(*d);
  EXPECT_TRUE(eventually([&] { return db.count_posts("x") == 5; }));
  EXPECT_TRUE(eventually([&] { return d->log().find("failed: its search cursor is not saved") != std::string::npos; }))
      << d->log();
  auto account = db.account("x", "1001");
  EXPECT_FALSE(account && (account->search_cursor || account->timeline_cursor));
}

TEST_F(ScanPipelineThreads, ANormalScanLaunchedAgainWithPriorityOvertakesTheOthers) {
  for (const auto& [name, id] : std::vector<std::pair<std::string, std::string>>{
           {"first", "3001"}, {"second", "3002"}, {"third", "3003"}}) {
    rig.x.add_account(name, id);
    rig.add_tweets(id, 1, 1);
  }
  // The first scan's listings are slow to answer, so the others wait in the queues.
  std::atomic<bool> release{false};
  std::atomic<int> held{0};
  rig.api.routes().set_pre_routing_handler([&](const httplib::Request& req, httplib::Response&) {
    if (req.path == "/2/users/3001/tweets" || req.get_param_value("query").find("from:first") != std::string::npos) {
      ++held;
      eventually([&] { return release.load(); }, 30s);
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto d = rig.start(short_name(), false);
  ASSERT_TRUE(d);
  launch(*d, "x", "3001", "first");
  ASSERT_TRUE(eventually([&] { return held.load() == 2; })) << "steps A and B list the first scan\n" << d->log();
  launch(*d, "x", "3002", "second");
  launch(*d, "x", "3003", "third");
  const auto third = scan_of(*d, "x", "3003");
  ASSERT_TRUE(third && !third->is_priority && !third->started_timeline);
  EXPECT_EQ(d->ctl("scan --priority x:third"), "a scan of x:third (ID 3003) is already running (search waiting, "
                                               "timeline waiting); it now has priority\n");
  release = true;
  for (const char* id : {"3001", "3002", "3003"}) ASSERT_TRUE(scan_settled(*d, "x", id)) << d->log();
  std::vector<std::string> timeline_order, search_order;
  for (const auto& r : rig.api.requests()) {
    if (r.path.rfind("/2/users/", 0) == 0 && r.path.find("/tweets") != std::string::npos &&
        (timeline_order.empty() || timeline_order.back() != r.path)) {
      timeline_order.push_back(r.path);
    }
  }
  for (const auto& r : rig.api.requests()) {
    if (r.path.rfind("/2/tweets/search", 0) == 0) search_order.push_back(r.query.substr(0, r.query.find("%20")));
  }
  EXPECT_EQ(search_order, (std::vector<std::string>{"query=from%3Afirst", "query=from%3Athird", "query=from%3Asecond"}));
  std::string all;
  for (const auto& r : rig.api.requests()) all += r.target + "\n";
  EXPECT_EQ(timeline_order, (std::vector<std::string>{"/2/users/3001/tweets", "/2/users/3003/tweets",
                                                      "/2/users/3002/tweets"}))
      << all << d->log();
}

}  // namespace
}  // namespace aotf::test
