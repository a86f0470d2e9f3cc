// The user and scan pipelines end to end, as a user of the console sees them, in threads mode and
// with container processes: a real aotfd, the sites, sources, user_pipeline and scan_pipeline
// plugins, and every upstream a loopback fixture (pipeline_world.hpp). This file: the first query
// of an artist, every error code, fault isolation, promotion of a console scan.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <thread>

#include <aotf/db/database.hpp>

#include "images/generated_image.hpp"
#include "pipeline_support.hpp"
#include "pipeline_world.hpp"

namespace aotf::test {
namespace {
// --- the first query of an artist -----------------------------------------------------------

TEST_P(Pipeline, FirstQueryScansBothAccountsAndFindsTheIllustrationThenAnswersFromMemory) {
  PipelineWorld world;
  Artist artist = world.add_artist({"inkwell", 150, 100});
  const Illustration drawing = world.add_illustration(artist, PostedOn::X);
  const Illustration second = world.add_illustration(artist, PostedOn::Bluesky);
  // A slow artwork page, so the request is seen in the Link Finder.
  ASSERT_GT(world.sites.delay_pages("/sites/deviantart/inkwell/art/inkwell-artwork-1", 1500), 0u);

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  // The mode is the one asked: every step in aotfd itself, or in container processes.
  std::map<std::string, pid_t> pids;
  ASSERT_TRUE(eventually([&] {
    pids = daemon.worker_pids();
    return pids.count("step1_link_finder_th1") && pids.count("step3_reverse_search_th1") &&
           pids.count("stepC_index_posts_th1");
  })) << daemon.ctl("threads");
  for (const char* worker : {"step1_link_finder_th1", "step3_reverse_search_th1", "stepC_index_posts_th1"}) {
    if (multiprocessing()) {
      EXPECT_NE(pids[worker], daemon.pid()) << worker << "\n" << daemon.ctl("threads");
    } else {
      EXPECT_EQ(pids[worker], daemon.pid()) << worker << "\n" << daemon.ctl("threads");
    }
  }

  const QueryAnswer created = daemon.query(drawing.url);
  EXPECT_EQ(created.status, 0) << created.text;
  EXPECT_EQ(created.status_name, "WAIT_LINK_FINDER") << created.text;
  std::vector<int> seen{created.status};
  const QueryAnswer done = daemon.wait_for_end(drawing.url, 150s, &seen);
  ASSERT_TRUE(done.ended()) << context(daemon, done);

  // Statuses only move forward, through the Link Finder and the indexing of the accounts.
  std::string trail;
  for (int s : seen) trail += std::to_string(s) + " ";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << trail;
  EXPECT_NE(std::find(seen.begin(), seen.end(), 1), seen.end()) << "LINK_FINDER seen: " << trail;
  EXPECT_NE(std::find(seen.begin(), seen.end(), 3), seen.end()) << "INDEX_ACCOUNTS_TWEETS seen: " << trail;
  EXPECT_EQ(seen.back(), 6) << trail;

  EXPECT_EQ(done.status_name, "END");
  EXPECT_EQ(done.error, "none") << context(daemon, done);
  ASSERT_FALSE(done.posts.empty()) << context(daemon, done);
  EXPECT_EQ(done.posts[0].platform, "x") << done.text;
  EXPECT_EQ(done.posts[0].post_id, drawing.post_id) << done.text;
  EXPECT_EQ(done.posts[0].account_id, artist.x_id) << done.text;
  EXPECT_LE(done.posts[0].distance, 6) << done.text;
  EXPECT_EQ(done.posts[0].position, 1) << done.text;
  EXPECT_NE(done.text.find("@inkwell (x ID " + artist.x_id + ")"), std::string::npos) << done.text;
  EXPECT_NE(done.text.find("@inkwell.bsky.social (bluesky ID " + artist.bluesky_did + ")"), std::string::npos)
      << done.text;

  const auto request = daemon.user_request(drawing.url);
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(request->has_first_time_scan);

  // Both listings were indexed in full, and the cursors saved.
  {
    db::Database database(daemon.database_file());
    EXPECT_EQ(database.count_posts("x"), static_cast<std::int64_t>(artist.x_posts.size()));
    EXPECT_EQ(database.count_posts("bluesky"), static_cast<std::int64_t>(artist.bluesky_posts.size()));
    const auto x_account = database.account("x", artist.x_id);
    ASSERT_TRUE(x_account.has_value());
    EXPECT_TRUE(x_account->timeline_cursor.has_value());
    EXPECT_TRUE(x_account->timeline_saved_at.has_value());
    const auto stored = database.post("x", drawing.post_id);
    ASSERT_TRUE(stored.has_value());
    EXPECT_TRUE(stored->images[0].fingerprint.has_value());
    EXPECT_TRUE(database.account("bluesky", artist.bluesky_did).has_value());
  }

  // The same query again: answered from memory, the art site is not asked again.
  const std::size_t site_requests = world.sites_server.requests().size();
  const QueryAnswer again = daemon.query(drawing.url);
  EXPECT_EQ(again.status, 6) << again.text;
  ASSERT_FALSE(again.posts.empty()) << again.text;
  EXPECT_EQ(again.posts[0].post_id, drawing.post_id);
  std::this_thread::sleep_for(300ms);  // a request it wrongly started would reach the site by now
  EXPECT_EQ(world.sites_server.requests().size(), site_requests);

  // Another illustration of the same artist: no first-time scan, nothing listed again.
  const std::size_t listings = listing_requests(world);
  const QueryAnswer other = daemon.wait_for_end(second.url, 60s);
  ASSERT_TRUE(other.ended()) << context(daemon, other);
  EXPECT_EQ(other.error, "none") << context(daemon, other);
  ASSERT_FALSE(other.posts.empty()) << context(daemon, other);
  EXPECT_EQ(other.posts[0].platform, "bluesky") << other.text;
  EXPECT_EQ(other.posts[0].post_id, second.post_id) << other.text;
  EXPECT_LE(other.posts[0].distance, 6) << other.text;
  const auto other_request = daemon.user_request(second.url);
  ASSERT_TRUE(other_request.has_value());
  EXPECT_FALSE(other_request->has_first_time_scan);
  EXPECT_EQ(listing_requests(world), listings) << "the second illustration listed the accounts again";

  // The illustration as the artist drew it (not the re-encoded copy that was indexed), searched
  // directly: in the whole database (by Hamming distance, the original needed equality), on the
  // X account, and on the Bluesky account that never posted it. Three keys: a direct request
  // without account answers for any account asked later with the same key.
  const std::string original = world.images.image_url(drawing.seed, "png");
  const QueryAnswer everywhere = daemon.wait_for_search(original);
  ASSERT_TRUE(everywhere.ended()) << context(daemon, everywhere);
  EXPECT_EQ(everywhere.error, "none") << context(daemon, everywhere);
  ASSERT_FALSE(everywhere.posts.empty()) << context(daemon, everywhere);
  EXPECT_EQ(everywhere.posts[0].post_id, drawing.post_id) << everywhere.text;
  const QueryAnswer on_x = daemon.wait_for_search(original + "?on=x", "x:inkwell");
  ASSERT_TRUE(on_x.ended()) << context(daemon, on_x);
  EXPECT_EQ(on_x.error, "none") << context(daemon, on_x);
  ASSERT_FALSE(on_x.posts.empty()) << context(daemon, on_x);
  EXPECT_EQ(on_x.posts[0].post_id, drawing.post_id) << on_x.text;
  EXPECT_NE(on_x.text.find("x:inkwell"), std::string::npos) << on_x.text;
  const QueryAnswer on_bluesky = daemon.wait_for_search(original + "?on=bluesky", "bluesky:inkwell.bsky.social");
  ASSERT_TRUE(on_bluesky.ended()) << context(daemon, on_bluesky);
  EXPECT_EQ(on_bluesky.error, "none") << context(daemon, on_bluesky);
  EXPECT_TRUE(std::none_of(on_bluesky.posts.begin(), on_bluesky.posts.end(),
                           [&](const QueryAnswer::Post& p) { return p.post_id == drawing.post_id; }))
      << on_bluesky.text;

  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

// --- every error code the pipelines produce ---------------------------------------------------

struct ErrorCase {
  std::string what;
  std::string url;
  std::string error;
};

TEST_P(Pipeline, EveryErrorCodeEndsItsRequestWhileAGoodRequestSucceeds) {
  PipelineWorld world;

  // A good request, running alongside the failing ones.
  Artist steady = world.add_artist({"steady", 30, 20});
  const Illustration good = world.add_illustration(steady, PostedOn::X);

  std::vector<ErrorCase> cases;
  cases.push_back({"not an URL", "not-a-url", "NOT_AN_URL"});
  cases.push_back({"a site aotfd does not support", "https://www.example.org/art/1", "UNSUPPORTED_WEBSITE"});
  cases.push_back({"a DeviantArt URL oEmbed does not know", "https://www.deviantart.com/nobody/art/missing-1",
                   "NOT_AN_ARTWORK_PAGE"});

  Artist silent = world.add_artist({"silent", 0, 0});  // a profile without links
  cases.push_back({"an artist who links to no account",
                   world.add_artwork(silent, world.images.image_url(world.fresh_seed()), world.images.image_url(world.fresh_seed())),
                   "NO_TWITTER_ACCOUNT_FOUND"});

  // Links to an X account that does not exist and a Bluesky account taken down.
  world.bluesky.add_account("gone.bsky.social", "did:plc:gone", fixtures::BlueskyFixture::ActorState::takendown);
  world.sites.add_deviantart_profile("ghost", {"https://twitter.com/nosuchartist", "https://bsky.app/profile/gone.bsky.social"});
  Artist ghost;
  ghost.name = "ghost";
  cases.push_back({"an artist whose accounts are all unknown or suspended",
                   world.add_artwork(ghost, world.images.image_url(world.fresh_seed()), world.images.image_url(world.fresh_seed())),
                   "NO_VALID_TWITTER_ACCOUNT_FOUND"});

  // The X timeline answers 500 every time: the scan fails.
  Artist failing = world.add_artist({"failing", 10, 0});
  fixtures::Fault server_error;
  server_error.path_prefix = "/2/users/" + failing.x_id + "/tweets";
  server_error.status = 500;
  server_error.body = R"({"title":"Internal Server Error","status":500})";
  server_error.times = 1000;
  world.x.inject(server_error);
  cases.push_back({"a scan whose X timeline answers 500", world.add_illustration(failing, PostedOn::X).url,
                   "PROCESSING_ERROR"});

  // The X timeline answers malformed JSON every time: the scan fails.
  Artist garbled = world.add_artist({"garbled", 10, 0});
  fixtures::Fault malformed;
  malformed.path_prefix = "/2/users/" + garbled.x_id + "/tweets";
  malformed.status = 200;
  malformed.body = R"({"data":[{"id":"1","text":)";
  malformed.times = 1000;
  world.x.inject(malformed);
  cases.push_back({"a scan whose X timeline answers malformed JSON", world.add_illustration(garbled, PostedOn::X).url,
                   "PROCESSING_ERROR"});

  // Step 3: the artwork's image is not an image.
  Artist smudge = world.add_artist({"smudge", 5, 0});
  const std::uint32_t broken = world.fresh_seed();
  world.images.serve(broken, "this is not an image, only text pretending to be one");
  cases.push_back({"an artwork whose image cannot be decoded",
                   world.add_artwork(smudge, world.images.image_url(broken), world.images.image_url(broken)),
                   "ERROR_DURING_REVERSE_SEARCH"});

  // Step 3: every image of the artwork claims 65000 × 65000 pixels.
  Artist giant = world.add_artist({"giant", 5, 0});
  const std::uint32_t bomb = world.fresh_seed();
  world.images.serve(bomb, fixtures::make_jpeg_claiming(65000, 65000));
  cases.push_back({"an artwork whose images are decompression bombs",
                   world.add_artwork(giant, world.images.image_url(bomb), world.images.image_url(bomb)),
                   "QUERY_IMAGE_TOO_BIG"});

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  for (const auto& c : cases) {
    const QueryAnswer launched = daemon.query(c.url);
    EXPECT_GE(launched.status, 0) << c.what << ": " << launched.text;
  }
  EXPECT_GE(daemon.query(good.url).status, 0);

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what + " (" + c.url + ")");
    const QueryAnswer answer = daemon.wait_for_end(c.url, 120s);
    ASSERT_TRUE(answer.ended()) << context(daemon, answer);
    EXPECT_EQ(answer.error, c.error) << context(daemon, answer);
    EXPECT_TRUE(answer.posts.empty()) << answer.text;
  }
  const QueryAnswer answer = daemon.wait_for_end(good.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
  ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
  EXPECT_EQ(answer.posts[0].post_id, good.post_id) << answer.text;

  // The codes only direct requests (`search IMAGE_URL [ACCOUNT]`) produce.
  const std::uint32_t missing = world.fresh_seed();
  world.images.fail(missing, 404);
  const std::string picture = world.images.image_url(good.seed, "png");
  world.x.add_account("neverscanned", "999999");
  const std::vector<ErrorCase> direct = {
      {"an image URL that answers 404", world.images.image_url(missing), "CANNOT_GET_IMAGE"},
      {"an X account that does not exist", picture + "?on=nosuchartist x:nosuchartist", "INVALID_TWITTER_ACCOUNT"},
      {"an X account never scanned", picture + "?on=neverscanned x:neverscanned", "TWITTER_ACCOUNT_NOT_INDEXED"},
  };
  for (const auto& c : direct) {
    SCOPED_TRACE(c.what + " (search " + c.url + ")");
    const QueryAnswer searched = daemon.wait_until_end("search " + c.url, 60s);
    ASSERT_TRUE(searched.ended()) << context(daemon, searched);
    EXPECT_EQ(searched.error, c.error) << context(daemon, searched);
  }

  // Those two failed in their scans, which left no cursor behind (the next scan lists again).
  db::Database database(daemon.database_file());
  for (const Artist* a : {&failing, &garbled}) {
    const auto scan = daemon.scan("x", a->x_id);
    ASSERT_TRUE(scan.has_value()) << a->name;
    EXPECT_TRUE(scan->has_failed) << a->name;
    const auto account = database.account("x", a->x_id);
    EXPECT_FALSE(account && account->timeline_cursor) << a->name << " has a timeline cursor";
  }
  EXPECT_TRUE(daemon.alive());
}

// --- one broken page among good requests ------------------------------------------------------

TEST_P(Pipeline, AMalformedArtworkPageFailsOnlyItsRequest) {
  PipelineWorld world;
  std::vector<Illustration> good;
  std::vector<Artist> artists;
  for (const char* name : {"alder", "birch", "cedar"}) {
    artists.push_back(world.add_artist({name, 40, 20}));
    good.push_back(world.add_illustration(artists.back(), PostedOn::X));
  }
  // The page of this artwork lost the markup the DeviantArt connector reads.
  Artist broken_artist = world.add_artist({"rowan", 10, 0});
  fixtures::DeviantArtArtwork broken;
  broken.artist = "rowan";
  broken.slug = "rowan-broken-1";
  broken.layout_changed = true;
  const std::string broken_url = world.sites.add_deviantart_artwork(broken);
  // And the oEmbed answer of this one is cut in the middle of its JSON.
  Artist cut_artist = world.add_artist({"maple", 10, 0});
  const Illustration cut = world.add_illustration(cut_artist, PostedOn::X);
  world.sites.set_page("/sites/deviantart-backend/oembed?url=" + cut.url,
                       {200, "application/json; charset=utf-8", R"({"version":"1.0","type":"pho)", {}});

  PipelineDaemon daemon(short_name(), world, options());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  // Broken ones first, so the good ones are processed while (or after) they fail.
  for (const auto& url : {broken_url, cut.url}) EXPECT_GE(daemon.query(url).status, 0);
  for (const auto& g : good) EXPECT_GE(daemon.query(g.url).status, 0);

  for (const auto& url : {broken_url, cut.url}) {
    SCOPED_TRACE(url);
    const QueryAnswer answer = daemon.wait_for_end(url, 60s);
    ASSERT_TRUE(answer.ended()) << context(daemon, answer);
    EXPECT_EQ(answer.error, "PROCESSING_ERROR") << answer.text;
    EXPECT_TRUE(answer.posts.empty()) << answer.text;
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    SCOPED_TRACE(good[i].url);
    const QueryAnswer answer = daemon.wait_for_end(good[i].url, 120s);
    ASSERT_TRUE(answer.ended()) << context(daemon, answer);
    EXPECT_EQ(answer.error, "none") << context(daemon, answer);
    ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
    EXPECT_EQ(answer.posts[0].post_id, good[i].post_id) << answer.text;
  }
  // The failure is explained where an operator looks: the error log names the artwork.
  EXPECT_NE(daemon.all_error_logs().find("rowan-broken-1"), std::string::npos) << daemon.all_error_logs();

  // And the Link Finder still works for a request that comes after.
  Artist late = world.add_artist({"larch", 10, 0});
  const Illustration after = world.add_illustration(late, PostedOn::X);
  const QueryAnswer answer = daemon.wait_for_end(after.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
}

// --- a console scan promoted by a user request ------------------------------------------------

TEST_P(Pipeline, AConsoleScanIsPromotedWhenAUserRequestWaitsForIt) {
  PipelineWorld world;
  // One lister of each kind, kept busy by a slow account, so console scans wait in the queues.
  Artist slow = world.add_artist({"slowpoke", 5, 0});
  Artist filler = world.add_artist({"filler", 5, 0});
  Artist wanted = world.add_artist({"wanted", 20, 0});
  const Illustration drawing = world.add_illustration(wanted, PostedOn::X);
  for (const std::string& prefix : {"/2/users/" + slow.x_id + "/tweets", std::string("/2/tweets/search/")}) {
    fixtures::Fault delay;
    delay.path_prefix = prefix;
    delay.mode = fixtures::Fault::Mode::Delay;
    delay.delay_ms = 6000;
    delay.times = 1;
    world.x.inject(delay);
  }
  PipelineDaemon daemon(short_name(), world,
                        options("[stages.stepA_list_search]\nthreads = 1\n[stages.stepB_list_timeline]\nthreads = 1\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();

  const std::string slow_scan = daemon.ctl("scan x:slowpoke");
  ASSERT_TRUE(eventually([&] {
    const auto s = daemon.scan("x", slow.x_id);
    return s && s->started_search && s->started_timeline;
  })) << slow_scan;
  daemon.ctl("scan x:filler");
  daemon.ctl("scan x:wanted");
  const auto queued = daemon.scan("x", wanted.x_id);
  ASSERT_TRUE(queued.has_value()) << daemon.ctl("queues");
  EXPECT_FALSE(queued->is_priority);

  EXPECT_GE(daemon.query(drawing.url).status, 0);
  // Step 2 attaches the request to the queued scan and moves it to the priority queues.
  ASSERT_TRUE(eventually([&] {
    const auto s = daemon.scan("x", wanted.x_id);
    return s && s->is_priority;
  })) << daemon.query(drawing.url).text;
  const auto promoted = daemon.scan("x", wanted.x_id);
  ASSERT_TRUE(promoted.has_value());
  // Promoted while it still waited: the slow listings hold both listers for a few seconds.
  EXPECT_FALSE(promoted->started_search || promoted->started_timeline) << "promoted only after it started";

  const QueryAnswer answer = daemon.wait_for_end(drawing.url, 120s);
  ASSERT_TRUE(answer.ended()) << context(daemon, answer);
  EXPECT_EQ(answer.error, "none") << context(daemon, answer);
  ASSERT_FALSE(answer.posts.empty()) << context(daemon, answer);
  EXPECT_EQ(answer.posts[0].post_id, drawing.post_id);
  // Listed before the filler, which was queued first with the same normal priority: the X
  // fixture saw the promoted account's timeline and search requests before the filler's.
  ASSERT_TRUE(eventually([&] {
    const auto f = daemon.scan("x", filler.x_id);
    return f && f->ended();
  })) << daemon.ctl("queues");
  const auto requests = world.x_server.requests();
  const auto first = [&](const std::function<bool(const fixtures::RecordedRequest&)>& match) {
    return std::find_if(requests.begin(), requests.end(), match) - requests.begin();
  };
  const auto timeline_of = [](const Artist& a) {
    return [path = "/2/users/" + a.x_id + "/tweets"](const fixtures::RecordedRequest& r) { return r.path == path; };
  };
  const auto search_of = [](const Artist& a) {
    return [name = a.x_username](const fixtures::RecordedRequest& r) {
      return r.path.rfind("/2/tweets/search/", 0) == 0 && r.query.find(name) != std::string::npos;
    };
  };
  const auto total = static_cast<std::ptrdiff_t>(requests.size());
  EXPECT_LT(first(timeline_of(wanted)), first(timeline_of(filler))) << "timeline listed after the filler's";
  EXPECT_LT(first(timeline_of(filler)), total) << "the filler's timeline was listed too";
  EXPECT_LT(first(search_of(wanted)), first(search_of(filler))) << "search listed after the filler's";
  EXPECT_LT(first(search_of(filler)), total) << "the filler was searched too";
}

INSTANTIATE_TEST_SUITE_P(Modes, Pipeline, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) { return info.param ? "Processes" : "Threads"; });


}  // namespace
}  // namespace aotf::test
