// The pipelines end to end (see pipeline_test.cpp), the scans seen from the requests: two
// requests sharing one scan, upstream hiccups that must not fail a request, an update scan from
// the saved cursors, and another art site (Pixiv).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <functional>
#include <map>
#include <thread>

#include <aotf/db/database.hpp>

#include "images/generated_image.hpp"
#include "pipeline_support.hpp"
#include "pipeline_world.hpp"

namespace aotf::test {
namespace {
// --- two requests, one scan -------------------------------------------------------------------

TEST_P(Pipeline, TwoIllustrationsQueriedTogetherShareOneScanOfEachAccount) {
  PipelineWorld world;
  Artist artist = world.add_artist({"twofold", 120, 60});
  const Illustration on_x = world.add_illustration(artist, PostedOn::X);
  const Illustration on_bluesky = world.add_illustration(artist, PostedOn::Bluesky);
  // A slow first timeline page keeps the scan running while both requests reach step 2.
  fixtures::Fault slow;
  slow.path_prefix = "/2/users/" + artist.x_id + "/tweets";
  slow.mode = fixtures::Fault::Mode::Delay;
  slow.delay_ms = 3000;
  world.x.inject(slow);

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_EQ(daemon.query(on_x.url).status, 0);
  EXPECT_EQ(daemon.query(on_bluesky.url).status, 0);
  for (const Illustration* drawing : {&on_x, &on_bluesky}) {
    SCOPED_TRACE(drawing->url);
    const QueryAnswer answer = daemon.wait_for_end(drawing->url, 120s);
    ASSERT_TRUE(answer.ended()) << context(daemon, answer);
    EXPECT_EQ(answer.error, "none") << context(daemon, answer);
    ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
    EXPECT_EQ(answer.posts[0].platform, drawing->platform) << answer.text;
    EXPECT_EQ(answer.posts[0].post_id, drawing->post_id) << answer.text;
    // Neither account had been scanned when either request looked: both are first-time scans.
    const auto request = daemon.user_request(drawing->url);
    ASSERT_TRUE(request.has_value());
    EXPECT_TRUE(request->has_first_time_scan);
  }
  // One listing of each kind per account: the second request joined the scans of the first.
  std::size_t timeline_starts = 0, search_starts = 0, feed_starts = 0;
  for (const auto& r : world.x_server.requests()) {
    if (r.path == "/2/users/" + artist.x_id + "/tweets" && r.query.find("pagination_token") == std::string::npos)
      ++timeline_starts;
    if (r.path.rfind("/2/tweets/search/", 0) == 0 && r.query.find("next_token") == std::string::npos) ++search_starts;
  }
  for (const auto& r : world.bluesky_server.requests()) {
    if (r.path == "/xrpc/app.bsky.feed.getAuthorFeed" && r.query.find("cursor=") == std::string::npos) ++feed_starts;
  }
  EXPECT_EQ(timeline_starts, 1u);
  EXPECT_EQ(search_starts, 1u);
  EXPECT_EQ(feed_starts, 1u);
  db::Database database(daemon.database_file());
  EXPECT_EQ(database.count_posts("x"), static_cast<std::int64_t>(artist.x_posts.size()));
  EXPECT_EQ(database.count_posts("bluesky"), static_cast<std::int64_t>(artist.bluesky_posts.size()));
}

// --- upstream hiccups that must not fail a request --------------------------------------------

TEST_P(Pipeline, ARateLimitAndALostImageDoNotFailTheRequest) {
  PipelineWorld world;
  Artist artist = world.add_artist({"patient", 60, 0});
  // A tweet whose photo the image host lost (404): kept without a fingerprint, never retried.
  const std::uint32_t lost = world.fresh_seed();
  world.images.fail(lost, 404);
  fixtures::XTweet tweet;
  tweet.author_id = artist.x_id;
  tweet.media.push_back({"photo", lost});
  const std::string lost_tweet = world.x.add_tweet(tweet);
  const Illustration drawing = world.add_illustration(artist, PostedOn::X);
  // The first timeline page is refused once with a rate limit that resets a second later.
  world.x.rate_limit_next("/2/users/" + artist.x_id + "/tweets", 1);

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const QueryAnswer answer = daemon.wait_for_end(drawing.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
  ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
  EXPECT_EQ(answer.posts[0].post_id, drawing.post_id) << answer.text;

  db::Database database(daemon.database_file());
  EXPECT_EQ(database.count_posts("x"), static_cast<std::int64_t>(artist.x_posts.size() + 1));
  const auto stored = database.post("x", lost_tweet);
  ASSERT_TRUE(stored.has_value()) << "the post with a lost image is kept";
  EXPECT_TRUE(stored->images[0].name.has_value());
  EXPECT_FALSE(stored->images[0].fingerprint.has_value());
  EXPECT_FALSE(database.retry("x", lost_tweet).has_value()) << "a lost image is not retried";
  const auto account = database.account("x", artist.x_id);
  ASSERT_TRUE(account.has_value());
  EXPECT_TRUE(account->timeline_cursor.has_value()) << "the scan succeeded, its cursor is saved";
  std::size_t first_pages = 0;
  for (const auto& r : world.x_server.requests()) {
    if (r.path == "/2/users/" + artist.x_id + "/tweets" && r.query.find("pagination_token") == std::string::npos)
      ++first_pages;
  }
  EXPECT_EQ(first_pages, 2u) << "the first timeline page: refused with 429, then asked again after the reset";
}

// --- an update scan from the saved cursors ------------------------------------------------------

TEST_P(Pipeline, ANewIllustrationIsFoundByAnUpdateScanFromTheSavedCursors) {
  PipelineWorld world;
  Artist artist = world.add_artist({"fresh", 40, 20});
  const Illustration old_drawing = world.add_illustration(artist, PostedOn::X);
  // Scans are not reused, so the second request gets its own update scan.
  PipelineDaemon daemon(short_name(), world, options("[plugins.user_pipeline]\nrecent_scan_hours = 0\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const QueryAnswer first = daemon.wait_for_end(old_drawing.url, 120s);
  ASSERT_TRUE(first.ended()) << context(daemon, first);
  ASSERT_EQ(first.error, "none") << context(daemon, first);
  std::optional<std::string> cursor;
  {
    db::Database database(daemon.database_file());
    const auto account = database.account("x", artist.x_id);
    ASSERT_TRUE(account && account->timeline_cursor) << "no timeline cursor after the first scan";
    cursor = account->timeline_cursor;
  }

  // The artist publishes a new illustration today and posts it as the newest tweet.
  IllustrationSpec spec;
  spec.where = PostedOn::X;
  spec.newest_post = true;
  spec.published = deviantart_date_now();
  const Illustration new_drawing = world.add_illustration(artist, spec);
  world.x_server.clear_requests();

  const QueryAnswer second = daemon.wait_for_end(new_drawing.url, 120s);
  ASSERT_TRUE(second.ended()) << context(daemon, second);
  EXPECT_EQ(second.error, "none") << context(daemon, second);
  ASSERT_FALSE(second.posts.empty()) << context(daemon, second);
  EXPECT_EQ(second.posts[0].post_id, new_drawing.post_id) << second.text;
  const auto request = daemon.user_request(new_drawing.url);
  ASSERT_TRUE(request.has_value());
  EXPECT_FALSE(request->has_first_time_scan) << "an update, not a first-time scan";
  EXPECT_TRUE(request->scans_launched);
  EXPECT_FALSE(request->scans.empty()) << "the accounts were scanned again";

  // The timeline was listed again from the saved cursor only.
  std::vector<std::string> since_ids;
  for (const auto& r : world.x_server.requests()) {
    if (r.path != "/2/users/" + artist.x_id + "/tweets") continue;
    const auto at = r.query.find("since_id=");
    since_ids.push_back(at == std::string::npos ? "(none)" : r.query.substr(at + 9, r.query.find('&', at) - at - 9));
  }
  ASSERT_FALSE(since_ids.empty()) << "no timeline listing for the update";
  for (const auto& id : since_ids) EXPECT_EQ(id, *cursor);
  db::Database database(daemon.database_file());
  EXPECT_EQ(database.count_posts("x"), static_cast<std::int64_t>(artist.x_posts.size()));
  const auto account = database.account("x", artist.x_id);
  ASSERT_TRUE(account && account->timeline_cursor);
  EXPECT_EQ(*account->timeline_cursor, new_drawing.post_id) << "the cursor moved to the newest tweet";
}

// --- another art site: Pixiv and its image host's Referer -------------------------------------

TEST_P(Pipeline, APixivArtworkIsFoundWithTheRefererItsImageHostWants) {
  PipelineWorld world;
  Artist artist = world.add_artist({"pixel", 20, 20});
  const Illustration drawing = world.add_pixiv_illustration(artist, PostedOn::Bluesky);

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const QueryAnswer answer = daemon.wait_for_end(drawing.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
  ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
  EXPECT_EQ(answer.posts[0].platform, "bluesky") << answer.text;
  EXPECT_EQ(answer.posts[0].post_id, drawing.post_id) << answer.text;
  // Both accounts came from the Pixiv profile (social link and bio).
  EXPECT_NE(answer.text.find("@pixel (x ID " + artist.x_id + ")"), std::string::npos) << answer.text;
  EXPECT_NE(answer.text.find("@pixel.bsky.social (bluesky ID " + artist.bluesky_did + ")"), std::string::npos)
      << answer.text;
  // The original image was downloaded with Pixiv's Referer (the host refuses it otherwise).
  bool with_referer = false;
  for (const auto& r : world.image_server.requests()) {
    if (r.path.find("/img-original/") != std::string::npos && r.path.ends_with(std::to_string(drawing.seed) + ".png"))
      with_referer |= r.headers.count("Referer") && r.headers.find("Referer")->second == world.sites.base("pixiv") + "/";
  }
  EXPECT_TRUE(with_referer) << "no download of the original with the Referer";
}

// --- a stop in the middle of a first scan -------------------------------------------------------

TEST_P(Pipeline, AStopInTheMiddleOfAScanLosesNothingOnceRestarted) {
  PipelineWorld world;
  Artist artist = world.add_artist({"resume", 150, 0});
  const Illustration drawing = world.add_illustration(artist, PostedOn::X);
  // The first timeline page answers after 5 s: the daemon is stopped while step B waits for it.
  fixtures::Fault slow;
  slow.path_prefix = "/2/users/" + artist.x_id + "/tweets";
  slow.mode = fixtures::Fault::Mode::Delay;
  slow.delay_ms = 5000;
  world.x.inject(slow);
  // Seen when the request arrives (requests() records it only once answered).
  auto asked = std::make_shared<std::atomic<bool>>(false);
  world.x_server.routes().set_pre_routing_handler([asked, path = slow.path_prefix](const httplib::Request& req,
                                                                                  httplib::Response&) {
    if (req.path == path) asked->store(true);
    return httplib::Server::HandlerResponse::Unhandled;
  });

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_EQ(daemon.query(drawing.url).status, 0);
  ASSERT_TRUE(eventually([&] { return asked->load(); }, 6s)) << "the timeline listing never started\n" << daemon.log();
  const auto scan = daemon.scan("x", artist.x_id);
  ASSERT_TRUE(scan && !scan->finished_timeline);
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
  {
    db::Database database(daemon.database_file());
    const auto account = database.account("x", artist.x_id);
    EXPECT_FALSE(account && account->timeline_cursor) << "a timeline cursor saved before its listing was indexed";
  }

  // Started again: the request is asked again, the account is still a first scan, and the
  // illustration is found.
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const QueryAnswer answer = daemon.wait_for_end(drawing.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
  ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
  EXPECT_EQ(answer.posts[0].post_id, drawing.post_id) << answer.text;
  const auto request = daemon.user_request(drawing.url);
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(request->has_first_time_scan) << "the interrupted scan saved a cursor it had not earned";
  db::Database database(daemon.database_file());
  EXPECT_EQ(database.count_posts("x"), static_cast<std::int64_t>(artist.x_posts.size()));
  const auto account = database.account("x", artist.x_id);
  ASSERT_TRUE(account && account->timeline_cursor);
}

INSTANTIATE_TEST_SUITE_P(Modes, Pipeline, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) { return info.param ? "Processes" : "Threads"; });


}  // namespace
}  // namespace aotf::test
