#pragma once
// A real aotfd running the scan pipeline and the sources plugin against loopback fixtures: an X
// API, a Bluesky AppView and an image host whose answers a test can break (404, 502, truncated).
// Shared by plugins/scan_pipeline/tests, tests/pipeline_crash and tests/bench/first_scan.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <aotf/db/database.hpp>
#include <aotf/image/fingerprint.hpp>

#include "daemon_rig.hpp"
#include "fixture_server.hpp"
#include "images/generated_image.hpp"
#include "sources/bluesky_fixture.hpp"
#include "sources/fault.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"

namespace aotf::test {

inline constexpr const char* kTokenVariable = "AOTF_SCAN_TEST_X_TOKEN";

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
  return poll_until(condition, timeout);
}

// A real aotfd on a temporary folder running the plugins of AOTF_SCAN_PLUGINS_DIR, that can be
// killed (with its containers) and started again on the same data; each start logs to
// daemon<N>.log. ScanRig::start writes its config.
inline RigOptions scan_daemon_options(const std::string& name, bool multiprocessing) {
  RigOptions o;
  o.name = name;
  o.folder_prefix = "aotfd_scan_";
  o.multiprocessing = multiprocessing;
  o.plugins_dir = AOTF_SCAN_PLUGINS_DIR;
  o.log = RigOptions::Log::PerStart;
  o.start_timeout = 30s;
  o.destroy_kills_containers = true;
  return o;
}

class ScanDaemon : public DaemonRig {
public:
  ScanDaemon(const std::string& name, bool multiprocessing) : DaemonRig(scan_daemon_options(name, multiprocessing)) {}
};

struct ScanRig {
  fixtures::FixtureServer api, appview, images;
  fixtures::ImageHost host{images};
  fixtures::XFixture x{api, host};
  fixtures::BlueskyFixture bsky{appview, host};
  fixtures::FaultQueue image_faults;  // applied before the image host answers
  std::atomic<int> image_delay_ms{0};  // a slow image host: every image answer waits this long

  ScanRig() {
    images.routes().set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (const int delay = image_delay_ms.load(); delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      return image_faults.apply(req, res) ? httplib::Server::HandlerResponse::Handled
                                          : httplib::Server::HandlerResponse::Unhandled;
    });
    ::setenv(kTokenVariable, x.token().c_str(), 1);
  }

  // Adds `count` tweets by `account_id` with `photos` photos each; remembers their seeds.
  std::vector<std::string> add_tweets(const std::string& account_id, int count, int photos) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      fixtures::XTweet tweet;
      tweet.author_id = account_id;
      std::vector<std::uint32_t> seeds;
      for (int p = 0; p < photos; ++p) {
        seeds.push_back(x.next_seed());
        tweet.media.push_back({"photo", seeds.back()});
      }
      ids.push_back(x.add_tweet(tweet));
      seeds_[ids.back()] = seeds;
    }
    return ids;
  }
  [[nodiscard]] const std::vector<std::uint32_t>& seeds(const std::string& post_id) const { return seeds_.at(post_id); }

  // The config of a daemon using these fixtures. `scan_keys` go into [plugins.scan_pipeline];
  // `extra` is appended (other tables such as [stages.*]).
  [[nodiscard]] std::string config(const ScanDaemon& d, bool /*multiprocessing*/, const std::string& scan_keys = "",
                                   const std::string& extra = "") const {
    return d.base_config() +
           "[collector]\ninit_crash_window_s = 0\n"
           "[supervisor]\nbackoff_initial_s = 0\n"
           "[plugins.sources]\n"
           "x.api_base_url = \"" + x.base_url() + "\"\n" +
           "x.token_env = \"" + kTokenVariable + "\"\n" +
           "x.retry_wait_ms = 10\n"
           "x.max_rate_limit_wait_s = 30\n"
           "bluesky.appview_base_url = \"" + bsky.base_url() + "\"\n" +
           "bluesky.retry_wait_ms = 10\n"
           "[plugins.scan_pipeline]\n"
           "pop_timeout_ms = 100\n"
           "image.timeout_s = 10\n"
           "image.bad_gateway_wait_min_ms = 5\nimage.bad_gateway_wait_max_ms = 10\n"
           "image.error_wait_min_ms = 5\nimage.error_wait_max_ms = 10\n"
           "image.decode_wait_ms = 5\n" +
           scan_keys + "\n" + extra + "\n";
  }

  // Starts a daemon on this rig.
  std::unique_ptr<ScanDaemon> start(const std::string& name, bool multiprocessing, const std::string& scan_keys = "",
                                    const std::string& extra = "") {
    auto d = std::make_unique<ScanDaemon>(name, multiprocessing);
    std::ofstream(d->config()) << config(*d, multiprocessing, scan_keys, extra);
    if (!d->start()) {
      std::cerr << "aotfd did not start:\n" << d->log() << "\n";
      return nullptr;
    }
    return d;
  }

private:
  std::map<std::string, std::vector<std::uint32_t>> seeds_;
};

// The fingerprint the daemon must store for the fixture's image of `seed` (JPEG, exact mode).
inline std::uint64_t expected_fingerprint(std::uint32_t seed) {
  const std::string jpeg = fixtures::make_jpeg(seed);
  return image::fingerprint(std::span(reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size())).bits;
}

// The daemon's database, opened by the test as a second reader.
inline db::Database open_database(const ScanDaemon& d) {
  return db::Database(d.dir() / "data" / "aotfd.sqlite3");
}

}  // namespace aotf::test
