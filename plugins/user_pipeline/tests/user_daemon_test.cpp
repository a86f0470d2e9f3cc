// The user pipeline in a real daemon, in threads mode and with container processes: requests
// typed at the console (`query`, `search`, `stats`) against loopback art sites, an X API and an
// image host. The database is filled before the start with recently scanned accounts and their
// posts, so step 2 launches no scan (no scan pipeline runs here) unless a test wants one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include <aotf/db/database.hpp>
#include <aotf/image/fingerprint.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>
#include <aotf/uploads.hpp>

#include "fixture_server.hpp"
#include "images/generated_image.hpp"
#include "sites/art_sites.hpp"
#include "sources/bluesky_fixture.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"
#include "user_daemon.hpp"

namespace aotf::user_pipeline::test {
namespace {

constexpr const char* kTokenEnv = "AOTF_USER_PIPELINE_TEST_X_TOKEN";
constexpr std::uint32_t kArtworkSeed = 500;

db::Fingerprint fingerprint_of(std::uint32_t seed) {
  const std::string jpeg = fixtures::make_jpeg(seed);
  return image::fingerprint(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()))
      .bits;
}

db::Post post(const std::string& id, const std::string& account, std::vector<std::optional<db::Fingerprint>> fps) {
  db::Post p;
  p.platform = "x";
  p.post_id = id;
  p.account_id = account;
  for (std::size_t k = 0; k < fps.size(); ++k) {
    p.images[k].name = id + "_" + std::to_string(k + 1) + ".jpg";
    p.images[k].fingerprint = fps[k];
  }
  return p;
}

// The loopback world: art sites, the X API, an image host, and the accounts every test uses.
class UserPipeline : public testing::TestWithParam<bool> {
protected:
  UserPipeline() {
    x.add_account("InkwellDraws", "1001");
    x.add_account("Suspended1", "2001", fixtures::XFixture::UserState::suspended);
    x.add_account("Locked1", "2002", fixtures::XFixture::UserState::protected_account);
    x.add_account("Blocked1", "2003");
    x.add_account("FreshArtist", "3001");
    x.add_account("StaleArtist", "3002");
    x.add_account("FailArtist", "3003");
    bluesky.add_account("inkwell.bsky.social", "did:plc:inkwell");
    bluesky.add_account("gone.bsky.social", "did:plc:gone", fixtures::BlueskyFixture::ActorState::takendown);
    ::setenv(kTokenEnv, x.token().c_str(), 1);
    auto& r = image_server.routes();
    r.Get("/junk/text.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("these bytes are no image", "image/jpeg");
    });
    r.Get("/junk/chunked.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("image/jpeg", [](std::size_t, httplib::DataSink& sink) {
        const std::string jpeg = fixtures::make_jpeg(kArtworkSeed);
        sink.write(jpeg.data(), jpeg.size());
        sink.done();
        return true;
      });
    });
  }

  std::string config(const std::string& user_pipeline = "") const {
    return sites.toml() + "pixiv.image_base_url = \"" + image_server.base_url() + "/pximg\"\n" +
           "[plugins.sources]\n" + "x.api_base_url = \"" + x.base_url() + "\"\n" +
           "x.token_env = \"" + kTokenEnv + "\"\n" + "x.retry_wait_ms = 50\n" +
           "bluesky.appview_base_url = \"" + bluesky_server.base_url() + "\"\nbluesky.retry_wait_ms = 50\n" +
           "[plugins.user_pipeline]\nimage_retry_wait_ms = 50\nblocklist = [\"x:2003\"]\n" + user_pipeline;
  }

  std::string artwork(const std::string& artist, std::vector<std::string> links, const std::string& image = "") {
    fixtures::DeviantArtArtwork a;
    a.artist = artist;
    a.description_links = std::move(links);
    a.image_url = image.empty() ? images.x_media_url(kArtworkSeed) : image;
    a.oembed_image_url = a.image_url;
    return sites.add_deviantart_artwork(a);
  }

  // InkwellDraws (1001), scanned a minute ago, with posts around the artwork's fingerprint.
  // Returns the ids expected in a search for the artwork, in order.
  std::vector<std::string> fill_database(const fs::path& file) {
    db::Database database(file, {10s, image::FingerprintMode::Exact, {}});
    database.save_search_cursor("x", "1001", std::string("1"), std::string("InkwellDraws"));
    database.save_timeline_cursor("x", "1001", std::string("1"));
    const db::Fingerprint q = fingerprint_of(kArtworkSeed);
    const auto tweet = [&] { return x.add_tweet({"", "1001", "", {{"photo", x.next_seed()}}}); };
    const std::string two_images = tweet(), exact = tweet(), near = tweet(), far = tweet();
    database.insert_post(post(two_images, "1001", {fingerprint_of(900), q}));   // distance 0, 2 images
    database.insert_post(post(exact, "1001", {q}));                             // distance 0, 1 image
    database.insert_post(post(near, "1001", {q ^ 0b10101}));                    // distance 3
    database.insert_post(post(far, "1001", {q ^ 0xFF}));                        // distance 8: no match
    database.insert_post(post("1600000000000000001", "1001", {q}));             // deleted on X since
    return {exact, two_images, near};
  }

  static std::vector<std::string> found_posts(const std::string& out) {
    static const std::regex line("x post (\\S+) of account \\S+, image \\d/\\d, distance (\\d+)");
    std::vector<std::string> ids;
    for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) ids.push_back((*it)[1]);
    return ids;
  }

  std::string name() const {
    std::string n = testing::UnitTest::GetInstance()->current_test_info()->name();
    return n.substr(0, std::min<std::size_t>(n.find('/'), 10));
  }

  fixtures::FixtureServer site_server, api_server, bluesky_server, image_server;
  fixtures::ArtSites sites{site_server};
  fixtures::ImageHost images{image_server};
  fixtures::XFixture x{api_server, images};
  fixtures::BlueskyFixture bluesky{bluesky_server, images};
};

TEST_P(UserPipeline, FoundPostsComeInTheOriginalsOrderWithoutTheDeletedOne) {
  const std::string url = artwork("inkwell", {"https://twitter.com/InkwellDraws"});
  UserDaemon d(name(), GetParam(), config("results_log = true\n"));
  const auto expected = fill_database(d.database_file());
  ASSERT_TRUE(d.start()) << d.log();

  const std::string out = d.until_end("query " + url);
  EXPECT_NE(out.find("Status: 6 END"), std::string::npos) << out << d.log();
  EXPECT_NE(out.find("Error: none"), std::string::npos) << out;
  EXPECT_NE(out.find("@InkwellDraws (x ID 1001)"), std::string::npos) << "canonical name from the platform\n" << out;
  EXPECT_NE(out.find("Scans: none any more"), std::string::npos) << "an account scanned recently needs no scan\n" << out;
  EXPECT_EQ(found_posts(out), expected) << out;
  EXPECT_NE(out.find("image 1/1, distance 0"), std::string::npos) << out;
  EXPECT_NE(out.find("image 2/2, distance 0"), std::string::npos) << out;
  EXPECT_NE(out.find("image 1/1, distance 3"), std::string::npos) << out;
  EXPECT_EQ(out.find("1600000000000000001"), std::string::npos) << "the post X no longer returns is dropped\n" << out;
  // results_log: one JSON line for the request, with what the API answers plus the input.
  std::string first_result;
  ASSERT_TRUE(eventually([&] {
    std::ifstream in(d.log_dir() / "results.log");
    return static_cast<bool>(std::getline(in, first_result));
  })) << "results.log was not written";
  EXPECT_NE(first_result.find("\"status\":\"END\""), std::string::npos) << first_result;
  EXPECT_NE(first_result.find("\"input\":\"" + url + "\""), std::string::npos) << first_result;
  EXPECT_NE(first_result.find("\"results\":[{\"tweet_id\":\"" + expected[0] + "\""), std::string::npos) << first_result;
  EXPECT_NE(first_result.find("\"account_name\":\"InkwellDraws\",\"account_id\":\"1001\""), std::string::npos)
      << first_result;

  // A Pixiv artwork by the same artist: its image host gets the Referer Pixiv wants.
  sites.add_pixiv_user({"88", std::nullopt, std::string("https://twitter.com/InkwellDraws"), ""});
  const std::string pixiv_image = image_server.base_url() + "/pximg/img-original/" + std::to_string(kArtworkSeed) + ".jpg";
  const std::string pixiv = sites.add_pixiv_artwork({"77", "88", {{pixiv_image, pixiv_image}}});
  const std::string pixiv_out = d.until_end("query " + pixiv);
  EXPECT_EQ(found_posts(pixiv_out), expected) << pixiv_out << d.log();
  bool referer_sent = false;
  for (const auto& r : image_server.requests()) {
    if (r.path.starts_with("/pximg/")) {
      const auto referer = r.headers.find("Referer");
      referer_sent = referer != r.headers.end() && referer->second == sites.base("pixiv") + "/";
    }
  }
  EXPECT_TRUE(referer_sent) << "the Pixiv image was downloaded with Pixiv's Referer";

  // The same search as a direct request on the account, typed with its platform.
  const std::string direct = d.until_end("search " + images.x_media_url(kArtworkSeed) + " x:@InkwellDraws");
  EXPECT_NE(direct.find("(direct)"), std::string::npos) << direct;
  EXPECT_EQ(found_posts(direct), expected) << direct;

  // An image uploaded through POST /search: the HTTP plugin writes the file, then launches the
  // direct request keyed by the identifier (done here through the segment); without an account
  // the whole database is searched, and the file is gone once the request ended.
  const std::string identifier = "0123456789abcdef0123456789abcdef";
  fs::create_directories(d.data_dir() / "uploads");
  std::ofstream(d.data_dir() / "uploads" / identifier, std::ios::binary) << fixtures::make_jpeg(kArtworkSeed);
  {
    auto segment = shm::Segment::attach(d.instance());
    shm::UserRequests users(*segment);
    ASSERT_TRUE(users.launch_direct(identifier, "", "", shm::IpLimit{}).created);
    std::optional<shm::UserRequestSnapshot> uploaded;
    ASSERT_TRUE(eventually([&] {
      uploaded = users.get_direct(identifier);
      return uploaded && uploaded->status == shm::UserStatus::End;
    }));
    EXPECT_EQ(uploaded->error, shm::UserError::None);
    std::vector<std::string> ids;
    for (const auto& p : uploaded->results) ids.push_back(p.post_id);
    EXPECT_EQ(ids, expected);
    EXPECT_TRUE(eventually([&] { return !fs::exists(d.data_dir() / "uploads" / identifier); }))
        << "the uploaded file is deleted once its request ended";
  }

  const std::string stats = d.ctl("stats");
  EXPECT_NE(stats.find("Indexed posts: 5"), std::string::npos) << stats;
  EXPECT_NE(stats.find("Indexed accounts: 1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("User requests in memory: 2"), std::string::npos) << stats;
  EXPECT_NE(stats.find("Direct requests in memory: 2"), std::string::npos) << stats;
  EXPECT_NE(stats.find("Processing: 0 user requests, 0 scans"), std::string::npos) << stats;

  // Step 3 recorded the account's use and its metrics.
  db::Database database(d.database_file(), {10s, image::FingerprintMode::Exact, {}});
  EXPECT_EQ(database.account("x", "1001")->uses_count, 3) << "the whole-database search uses no account";
  const std::string metrics = d.ctl("metrics");
  for (const char* m : {"user step1 link finder per request", "user step3 per account search",
                        "user step3 query image download", "user step3 query image fingerprint",
                        "user request creation to end"}) {
    EXPECT_NE(metrics.find(m), std::string::npos) << m << "\n" << metrics;
  }
}

TEST_P(UserPipeline, EveryErrorOfTheUserPipelineReachesTheUser) {
  const std::string inkwell = "https://twitter.com/InkwellDraws";
  const std::string no_links = artwork("nolinks", {});
  const std::string invalid = artwork("invalids", {"https://twitter.com/Suspended1", "https://twitter.com/Locked1",
                                                   "https://twitter.com/Blocked1", "https://twitter.com/NobodyHere"});
  fixtures::DeviantArtArtwork changed;
  changed.artist = "changed";
  changed.description_links = {inkwell};
  changed.layout_changed = true;
  const std::string changed_url = sites.add_deviantart_artwork(changed);
  const std::string text_image = artwork("textimage", {inkwell}, image_server.base_url() + "/junk/text.jpg");
  const std::string huge_image = artwork("hugeimage", {inkwell}, image_server.base_url() + "/junk/chunked.jpg");
  std::vector<std::string> crowd_links;
  for (int i = 0; i < 10; ++i) crowd_links.push_back("https://twitter.com/Crowd" + std::to_string(i));
  const std::string crowd = artwork("crowd", crowd_links);
  const std::string slow = artwork("slowpoke", {inkwell});
  ASSERT_EQ(sites.delay_pages("/sites/deviantart/slowpoke", 1100), 1u);

  UserDaemon d(name(), GetParam(), config("slow_link_finder_s = 1\n"));
  fill_database(d.database_file());
  ASSERT_TRUE(d.start()) << d.log();
  const std::string query_image = images.x_media_url(kArtworkSeed);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"query not-an-url", "NOT_AN_URL"},
      {"query https://www.example.com/art/1", "UNSUPPORTED_WEBSITE"},
      {"query https://www.pixiv.net/en/artworks/424242", "NOT_AN_ARTWORK_PAGE"},
      {"query " + no_links, "NO_TWITTER_ACCOUNT_FOUND"},
      {"query " + invalid, "NO_VALID_TWITTER_ACCOUNT_FOUND"},
      {"query " + crowd, "NO_VALID_TWITTER_ACCOUNT_FOUND"},
      {"query " + changed_url, "PROCESSING_ERROR"},
      {"query " + text_image, "ERROR_DURING_REVERSE_SEARCH"},
      {"query " + huge_image, "QUERY_IMAGE_TOO_BIG"},
      {"search " + image_server.base_url() + "/junk/missing.jpg", "CANNOT_GET_IMAGE"},
      {"search " + query_image + "?a=1 x:Suspended1", "INVALID_TWITTER_ACCOUNT"},
      {"search " + query_image + "?a=2 x:NobodyHere", "INVALID_TWITTER_ACCOUNT"},
      {"search " + query_image + "?a=3 FreshArtist", "TWITTER_ACCOUNT_NOT_INDEXED"},
      {"search " + query_image + "?a=4 bluesky:gone.bsky.social", "INVALID_TWITTER_ACCOUNT"},
      {"search " + query_image + "?a=5 bluesky:@inkwell.bsky.social", "TWITTER_ACCOUNT_NOT_INDEXED"},
      {"search " + query_image + "?a=6 mastodon:someone", "INVALID_TWITTER_ACCOUNT"},
  };
  for (const auto& [command, error] : cases) (void)d.ctl(command);  // all at once: they run side by side
  for (const auto& [command, error] : cases) {
    const std::string out = d.until_end(command);
    EXPECT_NE(out.find("Status: 6 END"), std::string::npos) << command << "\n" << out << d.log();
    EXPECT_NE(out.find("Error: " + error + "\n"), std::string::npos) << command << "\n" << out;
  }
  // The layout change is in step 1's error log, with the page that broke.
  const std::string errors = UserDaemon::read(d.log_dir() / "step1_link_finder_errors.log");
  EXPECT_NE(errors.find("changed"), std::string::npos) << errors;
  // Ten accounts on one page, or a slow Link Finder, are worth a line in warnings.log.
  const std::string slow_out = d.until_end("query " + slow);
  EXPECT_NE(slow_out.find("Error: none"), std::string::npos) << slow_out;
  EXPECT_FALSE(fs::exists(d.log_dir() / "results.log")) << "results_log is off by default";
  const std::string warnings = UserDaemon::read(d.log_dir() / "warnings.log");
  EXPECT_NE(warnings.find("Link Finder found 10 accounts for " + crowd), std::string::npos) << warnings;
  EXPECT_TRUE(std::regex_search(warnings, std::regex("Link Finder took \\d+ s for " + slow))) << warnings;
  EXPECT_TRUE(std::regex_search(warnings, std::regex("^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] "))) << warnings;
  // The console refuses a search key that is no URL (it could name a file).
  EXPECT_NE(d.ctl("search ../../etc/passwd").find("not an http(s) image URL"), std::string::npos);
}

TEST_P(UserPipeline, TheWholeDatabaseSearchSeesPostsCommittedAfterItsIndexWasLoaded) {
  UserDaemon d(name(), GetParam(), config());
  fill_database(d.database_file());
  ASSERT_TRUE(d.start()) << d.log();
  constexpr std::uint32_t kSeed = 700;

  // The first whole-database search loads the index: nothing near this image yet.
  std::string out = d.until_end("search " + images.x_media_url(kSeed));
  EXPECT_NE(out.find("Error: none"), std::string::npos) << out;
  EXPECT_NE(out.find("Posts found: 0"), std::string::npos) << out;
  EXPECT_NE(out.find("Hamming distance with a radius of 6 bits"), std::string::npos) << out;

  // Another process commits two posts 4 bits away (the daemon's scan pipeline would); the
  // platform still has the first one only.
  const std::string id = x.add_tweet({"", "1001", "", {{"photo", x.next_seed()}}});
  const std::string deleted = "1600000000000000777";
  {
    db::Database database(d.database_file(), {10s, image::FingerprintMode::Exact, {}});
    database.insert_post(post(id, "1001", {fingerprint_of(kSeed) ^ 0xF000}));
    database.insert_post(post(deleted, "1001", {fingerprint_of(kSeed) ^ 0x000F}));
  }
  out = d.until_end("search " + images.x_media_url(kSeed) + "?again");
  EXPECT_EQ(found_posts(out), std::vector<std::string>{id}) << out;
  EXPECT_NE(out.find("distance 4"), std::string::npos) << out;

  // When the platform cannot answer, the posts found are kept unchecked (never lost).
  x.inject({"/2/tweets", fixtures::Fault::Mode::Answer, 500, "{}", "application/json", {}, 2});
  out = d.until_end("search " + images.x_media_url(kSeed) + "?third");
  EXPECT_EQ(found_posts(out), (std::vector<std::string>{deleted, id})) << out;
  EXPECT_TRUE(eventually([&] { return d.log().find("found still exist (kept)") != std::string::npos; }, 5s)) << d.log();
}

TEST_P(UserPipeline, StepTwoFollowsItsScansUntilTheyEnd) {
  const std::string fresh = artwork("fresh", {"https://twitter.com/FreshArtist"});
  const std::string stale = artwork("stale", {"https://twitter.com/StaleArtist"});
  const std::string failing = artwork("failing", {"https://twitter.com/FailArtist"});
  UserDaemon d(name(), GetParam(), config());
  fill_database(d.database_file());
  {
    // StaleArtist was last scanned in 2020, before the illustration (2021) was published.
    db::Database::Options options{10s, image::FingerprintMode::Exact, {}};
    options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1577836800)); };
    db::Database database(d.database_file(), options);
    database.save_search_cursor("x", "3002", std::string("1"), std::string("StaleArtist"));
    database.save_timeline_cursor("x", "3002", std::string("1"));
  }
  ASSERT_TRUE(d.start()) << d.log();
  // No scan pipeline runs here: each request stays in step 2, following its priority scan.
  for (const auto& [url, account] : {std::pair{fresh, "@FreshArtist (x ID 3001)"}, std::pair{stale, "@StaleArtist (x ID 3002)"},
                                     std::pair{failing, "@FailArtist (x ID 3003)"}}) {
    std::string out;
    EXPECT_TRUE(eventually([&] {
      out = d.ctl("query " + url);
      return out.find("Status: 3 INDEX_ACCOUNTS_TWEETS") != std::string::npos &&
             out.find(std::string(account) + ": priority yes") != std::string::npos;
    })) << out;
  }
  const std::string stats = d.ctl("stats");
  EXPECT_NE(stats.find("Scan requests in memory: 3"), std::string::npos) << stats;
  EXPECT_NE(stats.find("Processing: 3 user requests, 3 scans"), std::string::npos) << stats;

  auto segment = shm::Segment::attach(d.instance());
  shm::UserRequests users(*segment);
  shm::ScanRequests scans(*segment);
  EXPECT_TRUE(users.get(fresh)->has_first_time_scan);
  EXPECT_FALSE(users.get(stale)->has_first_time_scan) << "an update scan is not a first scan";
  // The scan pipeline's side: FreshArtist's scan indexes both listings, FailArtist's fails and
  // StaleArtist turns out to be gone.
  const auto fresh_scan = scans.get("x", "3001");
  ASSERT_TRUE(fresh_scan);
  EXPECT_TRUE(fresh_scan->is_priority);
  (void)scans.finish_listing(fresh_scan->ref, shm::Listing::Search);
  EXPECT_TRUE(scans.finish_listing(fresh_scan->ref, shm::Listing::Timeline).scan_ended);
  EXPECT_TRUE(scans.fail(scans.get("x", "3003")->ref));
  EXPECT_TRUE(scans.mark_unfound(scans.get("x", "3002")->ref));

  std::string out = d.until_end("query " + fresh);
  EXPECT_NE(out.find("Error: none"), std::string::npos) << out;
  EXPECT_NE(out.find("Posts found: 0"), std::string::npos) << out;
  out = d.until_end("query " + failing);
  EXPECT_NE(out.find("Error: PROCESSING_ERROR"), std::string::npos) << out;
  out = d.until_end("query " + stale);
  EXPECT_NE(out.find("Error: PROCESSING_ERROR"), std::string::npos) << out;

  // Another illustration of FreshArtist: its scan ended less than recent_scan_hours ago, so it
  // is reused as it is and no new scan starts.
  const std::string fresh_again = artwork("freshagain", {"https://twitter.com/FreshArtist"});
  out = d.until_end("query " + fresh_again);
  EXPECT_NE(out.find("Error: none"), std::string::npos) << out;
  EXPECT_EQ(scans.get("x", "3001")->ref.generation, fresh_scan->ref.generation);
  EXPECT_NE(d.ctl("stats").find("Scan requests in memory: 3"), std::string::npos) << d.ctl("stats");
}

INSTANTIATE_TEST_SUITE_P(Modes, UserPipeline, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) { return info.param ? "processes" : "threads"; });

}  // namespace
}  // namespace aotf::user_pipeline::test
