// First-time scan benchmark: a real aotfd (scan_pipeline + sources) scans an X fixture account of
// N posts with 1 to 4 photos each (600×400 JPEGs served from memory by a loopback image host) and
// the benchmark measures, in threads mode and with container processes:
//   - posts indexed per second, from `scan x:artist` to the scan's end with every post stored;
//   - peak memory: VmHWM of aotfd and of each container (from /proc), and their sum;
//   - where step C spent its time, from the daemon's own metrics (download, fingerprint, insert).
// Exits non-zero when a post is missing, a fingerprint is absent or a cursor is not the newest.
//
// Usage: aotf_bench_first_scan [--posts N] [--pool IMAGES] [--width W] [--height H]
//                              [--modes threads,processes] [--fingerprint exact|fast]
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "scan_rig.hpp"

namespace {

using namespace aotf;
using namespace aotf::test;

struct Options {
  int posts = 10'000;
  int pool = 256;
  int width = 600;
  int height = 400;
  std::vector<std::string> modes = {"threads", "processes"};
  std::string fingerprint = "exact";
};

struct Series {
  double sum = 0;
  std::uint64_t count = 0;
};

struct Result {
  std::string mode;
  int posts = 0;
  int images = 0;
  double seconds = 0;
  long daemon_hwm_kib = 0;
  long containers_hwm_kib = 0;  // sum over containers
  long largest_container_kib = 0;
  int containers = 0;
  std::map<std::string, Series> metrics;
};

long vm_hwm_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::map<std::string, Series> parse_metrics(const std::string& text) {
  std::map<std::string, Series> out;
  static const std::regex line("^\\s*(.+): (\\S+) s on average over (\\d+) samples");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) {
      const double average = std::stod(m[2]);
      const std::uint64_t count = std::stoull(m[3]);
      out[m[1]] = {average * static_cast<double>(count), count};
    }
  }
  return out;
}

Result run(const Options& o, const std::string& mode, const std::vector<std::string>& pool) {
  Result r;
  r.mode = mode;
  ScanRig rig;
  rig.x.add_account("artist", "1001");
  rig.x.set_page_cap(100);
  std::vector<std::string> ids;
  for (int i = 0; i < o.posts; ++i) {
    fixtures::XTweet tweet;
    tweet.author_id = "1001";
    const int photos = 1 + i % 4;
    for (int p = 0; p < photos; ++p) tweet.media.push_back({"photo", rig.x.next_seed()});
    r.images += photos;
    ids.push_back(rig.x.add_tweet(tweet));
  }
  // Every photo URL answers one of the pool's JPEGs, from memory.
  rig.images.routes().set_pre_routing_handler([&pool](const httplib::Request& req, httplib::Response& res) {
    static const std::regex media("^/media/(\\d+)\\.jpg$");
    std::smatch m;
    if (!std::regex_match(req.path, m, media)) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(pool[std::stoul(m[1]) % pool.size()], "image/jpeg");
    return httplib::Server::HandlerResponse::Handled;
  });

  const bool processes = mode == "processes";
  auto d = rig.start("first_scan", processes, "", "[fingerprint]\nmode = \"" + o.fingerprint + "\"\n");
  if (!d) throw std::runtime_error("aotfd did not start");
  const auto started = std::chrono::steady_clock::now();
  const std::string answer = d->ctl("scan x:artist");
  if (answer.rfind("new scan", 0) != 0) throw std::runtime_error("scan command answered: " + answer);

  auto segment = shm::Segment::attach(d->instance());
  shm::ScanRequests scans(*segment);
  shm::StepCQueue queue(*segment);
  const bool done = eventually(
      [&] {
        auto scan = scans.get("x", "1001");
        return scan && scan->ended() && queue.size() == 0 && queue.indexing_snapshot().empty();
      },
      std::chrono::hours(2));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!done) throw std::runtime_error("the scan did not end");
  r.metrics = parse_metrics(d->ctl("metrics"));
  r.daemon_hwm_kib = vm_hwm_kib(d->pid());
  for (pid_t pid : d->container_pids()) {
    const long kib = vm_hwm_kib(pid);
    r.containers_hwm_kib += kib;
    r.largest_container_kib = std::max(r.largest_container_kib, kib);
    ++r.containers;
  }

  // What a user would check: every post once, every photo fingerprinted, the newest cursors.
  db::Database db(d->dir() / "data" / "aotfd.sqlite3",
                  {std::chrono::seconds(10), *image::parse_fingerprint_mode(o.fingerprint), {}});
  r.posts = static_cast<int>(db.count_posts("x"));
  if (r.posts != o.posts) {
    throw std::runtime_error(std::to_string(r.posts) + " posts stored, " + std::to_string(o.posts) + " expected");
  }
  for (std::size_t i = 0; i < ids.size(); i += std::max<std::size_t>(1, ids.size() / 200)) {
    const auto post = db.post("x", ids[i]);
    const int photos = 1 + static_cast<int>(i) % 4;
    for (int p = 0; p < photos; ++p) {
      if (!post || !post->images[p].fingerprint) throw std::runtime_error("post " + ids[i] + " lacks a fingerprint");
    }
  }
  const auto account = db.account("x", "1001");
  if (!account || account->search_cursor != ids.back() || account->timeline_cursor != ids.back()) {
    throw std::runtime_error("the cursors are not the newest post");
  }
  d->signal(SIGTERM);
  d->wait_exit(std::chrono::seconds(30));
  return r;
}

void print(const Options& o, const std::vector<Result>& results) {
  std::printf("first-time scan: %d posts, %d-%d photos each (%dx%d JPEG), fingerprint mode %s, %ld cores\n",
              o.posts, 1, 4, o.width, o.height, o.fingerprint.c_str(), sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("%-10s %8s %8s %10s %9s %12s %14s %13s\n", "mode", "posts", "images", "seconds", "posts/s",
              "aotfd MiB", "containers MiB", "largest MiB");
  for (const auto& r : results) {
    std::printf("%-10s %8d %8d %10.2f %9.1f %12.1f %14.1f %13.1f\n", r.mode.c_str(), r.posts, r.images, r.seconds,
                r.posts / r.seconds, r.daemon_hwm_kib / 1024.0, r.containers_hwm_kib / 1024.0,
                r.largest_container_kib / 1024.0);
  }
  std::printf("\nwhere step C spends its time (daemon metrics; sums over both step C workers)\n");
  std::printf("%-10s %-24s %10s %10s %12s %9s\n", "mode", "series", "samples", "total s", "mean ms", "of C");
  for (const auto& r : results) {
    const auto per_post = r.metrics.count("stepC per post") ? r.metrics.at("stepC per post").sum : 0.0;
    for (const char* name : {"stepC per post", "stepC image download", "stepC image fingerprint",
                             "stepC database insert", "stepA listing per post", "stepB listing per post",
                             "scan creation to end"}) {
      if (!r.metrics.count(name)) continue;
      const Series& s = r.metrics.at(name);
      std::printf("%-10s %-24s %10" PRIu64 " %10.2f %12.3f %8.1f%%\n", r.mode.c_str(), name, s.count, s.sum,
                  s.count ? 1000.0 * s.sum / static_cast<double>(s.count) : 0.0,
                  per_post > 0 && std::strncmp(name, "stepC", 5) == 0 ? 100.0 * s.sum / per_post : 0.0);
    }
  }
  if (results.size() == 2) {
    std::printf("\nratio processes/threads: posts/s %.2f, total peak memory %.2f\n",
                (results[1].posts / results[1].seconds) / (results[0].posts / results[0].seconds),
                static_cast<double>(results[1].daemon_hwm_kib + results[1].containers_hwm_kib) /
                    static_cast<double>(results[0].daemon_hwm_kib + results[0].containers_hwm_kib));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--posts") {
      o.posts = std::stoi(value);
    } else if (key == "--pool") {
      o.pool = std::stoi(value);
    } else if (key == "--width") {
      o.width = std::stoi(value);
    } else if (key == "--height") {
      o.height = std::stoi(value);
    } else if (key == "--fingerprint") {
      o.fingerprint = value;
    } else if (key == "--modes") {
      o.modes.clear();
      std::stringstream in(value);
      for (std::string m; std::getline(in, m, ',');) o.modes.push_back(m);
    } else {
      std::cerr << "unknown option " << key << "\n";
      return 2;
    }
  }
  try {
    // Generated once, kept in memory: distinct pictures so decoding is realistic.
    std::vector<std::string> pool;
    for (int i = 0; i < o.pool; ++i) pool.push_back(fixtures::make_jpeg(static_cast<std::uint32_t>(i + 1), o.width, o.height));
    std::vector<Result> results;
    for (const auto& mode : o.modes) results.push_back(run(o, mode, pool));
    print(o, results);
  } catch (const std::exception& e) {
    std::cerr << "first_scan benchmark failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
