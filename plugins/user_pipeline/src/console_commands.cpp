#include "console_commands.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <aotf/db/database.hpp>
#include <aotf/error.hpp>
#include <aotf/shm/pipelines.hpp>

#include "query_image.hpp"
#include "settings.hpp"

namespace aotf::user_pipeline {
namespace {

shm::Segment& segment_of(CommandContext& ctx, const char* command) {
  shm::Segment* segment = ctx.segment();
  if (segment == nullptr) throw Error(std::string(command) + " needs a running daemon");
  return *segment;
}

std::string describe_with_scans(shm::Segment& segment, const shm::UserRequestSnapshot& request) {
  shm::ScanRequests scans(segment);
  std::vector<std::optional<shm::ScanSnapshot>> followed;
  for (const auto& ref : request.scans) followed.push_back(scans.get(ref));
  return shm::describe(request, followed);
}

// Database counts, read at most every 3 seconds (the original cached them too: counting a big
// table is not free, and stats may be typed repeatedly).
struct CountsCache {
  std::mutex mutex;
  std::chrono::steady_clock::time_point read_at{};
  std::int64_t posts = 0;
  std::int64_t accounts = 0;
  bool valid = false;
};

CountsCache& counts_cache() {
  static CountsCache cache;
  return cache;
}

}  // namespace

ConsoleCommand query_command() {
  return {"query", "query URL",
          "starts or shows the user request for an illustration page (run it again to follow it)", 1, 1,
          [](CommandContext& ctx, const std::vector<std::string>& args) {
            shm::Segment& segment = segment_of(ctx, "query");
            const auto outcome = shm::UserRequests(segment).launch(args[0], "", shm::IpLimit{});
            return describe_with_scans(segment, outcome.request);
          }};
}

ConsoleCommand search_command() {
  return {"search", "search IMAGE_URL [PLATFORM:NAME]",
          "reverse-searches an image on one account, or on the whole database without one "
          "(run it again to follow it)",
          1, 2, [](CommandContext& ctx, const std::vector<std::string>& args) {
            shm::Segment& segment = segment_of(ctx, "search");
            if (!is_http_url(args[0])) throw Error("search: " + args[0] + " is not an http(s) image URL");
            const std::string account = args.size() > 1 ? args[1] : std::string();
            const auto outcome = shm::UserRequests(segment).launch_direct(args[0], account, "", shm::IpLimit{});
            std::string out = describe_with_scans(segment, outcome.request);
            if (account.empty()) {
              const Settings settings = Settings::read(ctx.config());
              out += "Note: without an account the whole database is searched, by Hamming distance with a radius of " +
                     std::to_string(settings.max_distance) + " bits (plugins.user_pipeline.max_distance).\n";
            }
            return out;
          }};
}

ConsoleCommand stats_command() {
  return {"stats", "stats", "counts posts and accounts in the database and requests in memory", 0, 0,
          [](CommandContext& ctx, const std::vector<std::string>&) {
            shm::Segment& segment = segment_of(ctx, "stats");
            CountsCache& cache = counts_cache();
            std::int64_t posts = 0;
            std::int64_t accounts = 0;
            {
              std::lock_guard lock(cache.mutex);
              const auto now = std::chrono::steady_clock::now();
              if (!cache.valid || now - cache.read_at >= std::chrono::seconds(3)) {
                db::Database database = db::Database::of_daemon(ctx.host());
                cache.posts = database.count_posts();
                cache.accounts = database.count_accounts();
                cache.read_at = now;
                cache.valid = true;
              }
              posts = cache.posts;
              accounts = cache.accounts;
            }
            const shm::PipelineCounts c = shm::pipeline_counts(segment);
            std::string out;
            out += "Indexed posts: " + std::to_string(posts) + "\n";
            out += "Indexed accounts: " + std::to_string(accounts) + "\n";
            out += "User requests in memory: " + std::to_string(c.user_in_memory) + "\n";
            out += "Direct requests in memory: " + std::to_string(c.direct_in_memory) + "\n";
            out += "Scan requests in memory: " + std::to_string(c.scan_in_memory) + "\n";
            out += "Processing: " + std::to_string(c.processing_user) + " user requests, " +
                   std::to_string(c.processing_scan) + " scans\n";
            out += "Step C queue: " + std::to_string(c.step_c) + " items\n";
            return out;
          }};
}

}  // namespace aotf::user_pipeline
