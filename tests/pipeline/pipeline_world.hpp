#pragma once
// A whole loopback world for the pipelines, and a real aotfd working in it.
//
// PipelineWorld starts four fixture servers (art sites, X API v2, Bluesky AppView, image host) and
// builds scenarios on them: an artist with a DeviantArt profile linking to an X and a Bluesky
// account whose listings hold generated images, and illustrations of that artist (the artwork
// page shows the picture; the artist posted it re-encoded, as the platforms do).
//
// PipelineDaemon writes a config pointing every upstream of the sites and sources plugins at the
// world, starts build/bin/aotfd on it (threads or container processes) with only the plugins a
// test names, and talks to it as an operator does: `query URL` through the control socket, the
// database file, the logs. It also attaches to the daemon's segment to read what the console does
// not print (has_first_time_scan).
//
//   PipelineWorld world;
//   Artist artist = world.add_artist({"inkwell", 150, 100});
//   Illustration drawing = world.add_illustration(artist, PostedOn::X);
//   PipelineDaemon daemon("e2e", world, {.multiprocessing = true});
//   ASSERT_TRUE(daemon.start()) << daemon.log();
//   QueryAnswer answer = daemon.wait_for_end(drawing.url);
//   EXPECT_EQ(answer.posts.at(0).post_id, drawing.post_id);
//
// Nothing here sends a packet beyond 127.0.0.1.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "fixture_server.hpp"
#include "sites/art_sites.hpp"
#include "sources/bluesky_fixture.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"

namespace aotf::test {

using namespace std::chrono_literals;

// Polls `condition` every 20 ms until it holds or `timeout` passes; the last answer.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 60s);

struct ArtistSpec {
  std::string name;        // DeviantArt profile name, [a-z0-9]; also names the social accounts
  int x_posts = 150;       // tweets with photos on X; 0: the artist has no X account
  int bluesky_posts = 100; // posts with images on Bluesky; 0: no Bluesky account
  int photos_per_post = 1;
};

struct Artist {
  std::string name;
  std::string x_username, x_id;             // empty without an X account
  std::string bluesky_handle, bluesky_did;  // empty without a Bluesky account
  std::vector<std::string> x_posts;         // tweet ids, oldest first
  std::vector<std::string> bluesky_posts;   // at:// URIs, oldest first
  std::vector<std::string> links;           // what the artist's DeviantArt /about page links to
  int artworks = 0;
};

enum class PostedOn { X, Bluesky, Nowhere };

struct IllustrationSpec {
  PostedOn where = PostedOn::X;
  // false: an X post goes in the middle of the timeline; true: it is the artist's newest post
  // (what an update scan from the saved cursors must find). Bluesky posts are always the newest.
  bool newest_post = false;
  // The artwork's publication date as DeviantArt gives it ("2021-03-01T04:05:06-08:00"); empty:
  // the fixture's default, long before any scan.
  std::string published;
};

// Now, as DeviantArt writes dates ("YYYY-MM-DDTHH:MM:SS+00:00").
[[nodiscard]] std::string deviantart_date_now();

struct Illustration {
  std::string url;         // the DeviantArt artwork URL a user pastes
  std::uint32_t seed = 0;  // the picture (tests/fixtures/images)
  std::string platform;    // where the artist posted it: "x", "bluesky", or empty
  std::string post_id;     // tweet id or at:// URI
  std::string account_id;  // X id or DID
};

class PipelineWorld {
public:
  // The environment variable the daemon reads the X bearer token from.
  static constexpr const char* kXTokenEnv = "AOTF_PIPELINE_WORLD_X_TOKEN";
  // The illustration's size on the art site, and what the platform made of it.
  static constexpr int kIllustrationWidth = 400, kIllustrationHeight = 300;
  static constexpr double kReencodeScale = 0.6;
  static constexpr int kReencodeQuality = 70;

  PipelineWorld();
  PipelineWorld(const PipelineWorld&) = delete;
  PipelineWorld& operator=(const PipelineWorld&) = delete;

  // Servers first: the fixtures below hold references to them.
  fixtures::FixtureServer sites_server, x_server, bluesky_server, image_server;
  fixtures::ImageHost images;
  fixtures::ArtSites sites;
  fixtures::XFixture x;
  fixtures::BlueskyFixture bluesky;

  // A DeviantArt profile whose /about page links to https://twitter.com/<name> and
  // https://bsky.app/profile/<name>.bsky.social, with the listings the spec asks for.
  Artist add_artist(const ArtistSpec& spec);
  // A DeviantArt artwork of `artist` showing a new picture (400×300 PNG). Posted on X, its
  // 60%-scaled JPEG (quality 70) copy is a tweet in the middle of the artist's timeline; posted
  // on Bluesky, it is the artist's newest post.
  Illustration add_illustration(Artist& artist, PostedOn where);
  Illustration add_illustration(Artist& artist, const IllustrationSpec& spec);
  // A Pixiv artwork of `artist` (a Pixiv user whose profile links to the artist's X account and
  // whose bio names the Bluesky account), its images on the world's Pixiv image host, which
  // refuses requests without Pixiv's Referer. Posted like add_illustration.
  Illustration add_pixiv_illustration(Artist& artist, PostedOn where);
  // The Pixiv image host's base (pixiv.image_base_url).
  [[nodiscard]] std::string pixiv_image_base() const { return images.base_url() + "/pximg"; }
  // A DeviantArt artwork of `artist` whose preload and oEmbed images are these URLs.
  std::string add_artwork(Artist& artist, const std::string& image_url, const std::string& oembed_image_url,
                          const std::string& published = "");
  // A seed no generated post uses, for pictures a test serves itself.
  std::uint32_t fresh_seed();

  // [plugins.sites] and [plugins.sources] pointing both plugins at the world, with short waits.
  [[nodiscard]] std::string plugins_toml() const;

private:
  // The re-encoded copy of `seed`'s picture posted where `where` says; fills the post fields.
  void post_illustration(Artist& artist, Illustration& drawing, const IllustrationSpec& spec);

  std::uint32_t next_seed_ = 900'000;
  int next_pixiv_id_ = 90'000'001;
  std::uint64_t next_x_id_ = 1001;
};

// `query URL` as the console prints it (shm::describe), parsed.
struct QueryAnswer {
  struct Post {
    std::string platform, post_id, account_id;
    int position = 0, images_count = 0, distance = -1;
  };
  std::string text;       // the whole answer
  int status = -2;        // -1..6; -2 when the answer had no "Status:" line
  std::string status_name;
  std::string error;      // "none" or the API code
  std::vector<std::string> accounts;  // "@name (platform ID id)"
  std::vector<Post> posts;
  [[nodiscard]] bool ended() const noexcept { return status == 6; }
};
[[nodiscard]] QueryAnswer parse_query_answer(const std::string& text);

struct DaemonOptions {
  bool multiprocessing = false;
  // Plugin files (build/lib/aotfd/plugins/<name>.so) the daemon loads; nothing else is loaded.
  std::vector<std::string> plugins = {"sites", "sources", "user_pipeline", "scan_pipeline"};
  // Appended to the generated config (stage counts, plugin tables, ...).
  std::string extra_config;
};

class DaemonRig;

// Built on tests/support's DaemonRig: its own plugins folder of symlinks, one daemon.log appended
// to across restarts, the X token in the daemon's environment only.
class PipelineDaemon {
public:
  // The plugin files among `plugins` that were not built (a build restricted by AOTF_PLUGINS).
  [[nodiscard]] static std::vector<std::string> missing_plugins(const std::vector<std::string>& plugins);

  PipelineDaemon(const std::string& name, const PipelineWorld& world, DaemonOptions options = {});
  ~PipelineDaemon();  // kills a daemon still running and removes its folder
  PipelineDaemon(const PipelineDaemon&) = delete;
  PipelineDaemon& operator=(const PipelineDaemon&) = delete;

  // Starts aotfd and waits until it says it is running (false: it exited or never said so). After
  // stop(), starts it again on the same folder, database and config (the log is appended to).
  bool start(std::chrono::milliseconds timeout = 60s);
  // SIGTERM and wait; the exit status, or -1 if it did not exit in time (then it is killed).
  int stop(std::chrono::milliseconds timeout = 30s);
  [[nodiscard]] bool alive() const;

  // One console command through the control socket ("unreachable: ..." when it cannot connect).
  std::string ctl(const std::string& command) const;
  [[nodiscard]] QueryAnswer query(const std::string& url) const { return parse_query_answer(ctl("query " + url)); }
  // Polls `query URL` until END; every distinct status seen on the way is appended to `seen`.
  QueryAnswer wait_for_end(const std::string& url, std::chrono::milliseconds timeout = 120s,
                           std::vector<int>* seen = nullptr) const;
  // `search IMAGE_URL [ACCOUNT]` (a direct request), repeated until END.
  QueryAnswer wait_for_search(const std::string& image_url, const std::string& account = "",
                              std::chrono::milliseconds timeout = 120s) const;
  // Repeats any console command whose answer is a request's description until it shows END.
  QueryAnswer wait_until_end(const std::string& command, std::chrono::milliseconds timeout,
                             std::vector<int>* seen = nullptr) const;

  // The request as stored in the segment (what the console does not print).
  [[nodiscard]] std::optional<shm::UserRequestSnapshot> user_request(const std::string& url);
  [[nodiscard]] std::optional<shm::ScanSnapshot> scan(const std::string& platform, const std::string& account_id);
  // The process of every worker, by worker name ("step3_reverse_search_th1"), from `threads`.
  [[nodiscard]] std::map<std::string, pid_t> worker_pids() const;
  shm::Segment& segment();

  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::string error_log(const std::string& procedure) const;
  // Every <procedure>_errors.log, each under a header line: for failure messages.
  [[nodiscard]] std::string all_error_logs() const;
  [[nodiscard]] std::filesystem::path database_file() const;
  [[nodiscard]] const std::filesystem::path& dir() const noexcept;
  [[nodiscard]] const std::filesystem::path& config_file() const noexcept;
  [[nodiscard]] const std::string& instance() const noexcept;
  [[nodiscard]] pid_t pid() const noexcept;

private:
  std::unique_ptr<DaemonRig> rig_;  // tests/support/daemon_rig.hpp
  std::unique_ptr<shm::Segment> segment_;
};

}  // namespace aotf::test
