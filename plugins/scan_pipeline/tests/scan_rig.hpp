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

#include "daemon_harness.hpp"
#include "fixture_server.hpp"
#include "images/generated_image.hpp"
#include "sources/bluesky_fixture.hpp"
#include "sources/fault.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"

namespace aotf::test {

inline constexpr const char* kTokenVariable = "AOTF_SCAN_TEST_X_TOKEN";

// A real aotfd on a temporary folder that can be killed and started again on the same data
// (tests/runtime/daemon_harness.hpp's Daemon starts once).
class ScanDaemon {
public:
  ScanDaemon(const std::string& name, bool multiprocessing) : multiprocessing_(multiprocessing) {
    instance_ = name + "_" + std::to_string(::getpid()) + (multiprocessing ? "_mp" : "_th");
    dir_ = fs::temp_directory_path() / ("aotfd_scan_" + instance_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
  }
  ~ScanDaemon() {
    kill_hard();
    fs::remove_all(dir_);
  }
  ScanDaemon(const ScanDaemon&) = delete;
  ScanDaemon& operator=(const ScanDaemon&) = delete;

  // Starts aotfd (again) and waits until it says it is running.
  bool start() {
    const std::string log_file = (dir_ / ("daemon" + std::to_string(starts_++) + ".log")).string();
    log_file_ = log_file;
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen(log_file.c_str(), "w", stderr);
      std::freopen("/dev/null", "r", stdin);
      const std::string config_file = config().string();
      ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config_file.c_str(), "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    exited_ = false;
    return eventually([&] { return log().find("running with") != std::string::npos || !alive(); }, 30s) && alive();
  }
  // SIGKILL to aotfd and to every container it started at once, then waits until they are gone.
  void kill_hard() {
    if (pid_ <= 0 || exited_) return;
    const auto pids = container_pids();
    ::kill(pid_, SIGKILL);
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
    for (pid_t pid : pids) eventually([&] { return !process_exists(pid); }, 10s);
  }
  int wait_exit(std::chrono::milliseconds timeout) {
    int status = 0;
    const bool done = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  [[nodiscard]] bool alive() const { return pid_ > 0 && !exited_ && process_exists(pid_); }

  std::string ctl(const std::string& command) {
    try {
      return host::send_control_command(host::control_socket_path(dir_ / "data", instance_), command);
    } catch (const std::exception& e) {
      return std::string("unreachable: ") + e.what();
    }
  }
  // Container processes and the workers they run, from `threads`.
  std::map<std::string, pid_t> worker_pids() {
    std::map<std::string, pid_t> out;
    const std::string text = ctl("threads");
    static const std::regex pid_line("^\\[PID (\\d+)\\]");
    static const std::regex worker_line("(\\w+_th\\d+) :");
    pid_t current = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      std::smatch m;
      if (std::regex_search(l, m, pid_line)) current = std::stoi(m[1]);
      if (std::regex_search(l, m, worker_line)) out[m[1]] = current;
    }
    return out;
  }
  std::vector<pid_t> container_pids() {
    std::vector<pid_t> out;
    if (!multiprocessing_) return out;
    for (const auto& [worker, pid] : worker_pids()) {
      if (pid != pid_ && pid > 0 && std::find(out.begin(), out.end(), pid) == out.end()) out.push_back(pid);
    }
    return out;
  }

  [[nodiscard]] std::string log() const { return Daemon::read(log_file_); }
  [[nodiscard]] std::string error_log(const std::string& procedure) const {
    return Daemon::read(dir_ / "data" / "logs" / (procedure + "_errors.log"));
  }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& instance() const { return instance_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }
  [[nodiscard]] fs::path config() const { return dir_ / "aotfd.toml"; }

private:
  bool multiprocessing_;
  std::string instance_;
  fs::path dir_;
  fs::path log_file_;
  int starts_ = 0;
  pid_t pid_ = -1;
  bool exited_ = false;
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
  [[nodiscard]] std::string config(const ScanDaemon& d, bool multiprocessing, const std::string& scan_keys = "",
                                   const std::string& extra = "") const {
    return "instance = \"" + d.instance() + "\"\n" + "data_dir = \"" + (d.dir() / "data").string() + "\"\n" +
           "plugins_dir = \"" AOTF_SCAN_PLUGINS_DIR "\"\n" + "multiprocessing = " +
           (multiprocessing ? "true" : "false") + "\nstop_timeout_s = 3\n" +
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
