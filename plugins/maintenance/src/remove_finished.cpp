// remove_finished_requests (reference §6 "Remove finished", §4.8).
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/uploads.hpp>

#include "schedule.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::maintenance {

namespace {

std::int64_t to_ms(std::chrono::seconds s) { return std::chrono::duration_cast<milliseconds>(s).count(); }

// Upload files are deleted by step 3 once their request ended; one left behind (a crash between
// the end and the deletion, a request that never reached step 3) is older than any retention
// once its request was shed. Temporary files being written are young, so they are never hit.
std::size_t delete_left_over_uploads(StageContext& ctx, std::chrono::seconds older_than) {
  namespace fs = std::filesystem;
  const fs::path dir = uploads_dir(ctx.host());
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  const auto limit = fs::file_time_type::clock::now() - older_than;
  std::size_t removed = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec)) continue;
    const auto written = it->last_write_time(file_ec);
    if (file_ec || written > limit) continue;
    if (fs::remove(it->path(), file_ec)) {
      ++removed;
    } else if (file_ec) {
      log_warning(ctx.worker_name(), "cannot delete the left-over upload " + it->path().string() + ": " +
                                         file_ec.message());
    }
  }
  if (ec) log_warning(ctx.worker_name(), "cannot list the uploads folder " + dir.string() + ": " + ec.message());
  return removed;
}

}  // namespace

void remove_finished_requests(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  const shm::UserRetention retention{to_ms(settings.user_success_retention), to_ms(settings.user_short_problem_retention),
                                     to_ms(settings.user_other_problem_retention)};
  shm::UserRequests users(ctx.segment());
  shm::ScanRequests scans(ctx.segment());
  shm::RateLimiter limiter(ctx.segment());
  while (ctx.running()) {
    if (!wait_until(ctx, WallClock::now() + settings.remove_period)) return;
    const auto started = std::chrono::steady_clock::now();
    const std::size_t user_count = users.shed(retention);
    const std::size_t scan_count = scans.shed(to_ms(settings.scan_retention));
    limiter.clear();
    const std::size_t uploads = delete_left_over_uploads(ctx, settings.longest_user_retention());
    ctx.segment().record("remove_finished_requests.pass",
                         shm::seconds_since(started));
    log_info(ctx.worker_name(), "shed " + std::to_string(user_count) + " finished user requests and " +
                                    std::to_string(scan_count) + " finished scans, cleared the rate limiter, deleted " +
                                    std::to_string(uploads) + " left-over upload files");
  }
}

}  // namespace aotf::maintenance
