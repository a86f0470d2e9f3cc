// retry_failed_posts (reference §6 "Retry failed Tweets", §5.7, without defect 16.7: a post
// its platform no longer returns is deleted from the re-index table).
#include <chrono>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <aotf/connectors/connectors.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>

#include "schedule.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::maintenance {

namespace {

using PostKey = std::pair<std::string, std::string>;  // platform, post id

constexpr auto kPushSlice = std::chrono::seconds(1);
constexpr int kPushSlices = 5;

struct PassCounts {
  std::size_t queued = 0, fetched = 0, deleted = 0, still_queued = 0, failed = 0;
};

class Retries {
public:
  Retries(StageContext& ctx, db::Database& db, const Settings& settings)
      : ctx_(ctx), db_(db), settings_(settings), queue_(ctx.segment()), me_(ctx.worker_name()) {}

  void pass() {
    const auto pass_start = WallClock::now();
    counts_ = {};
    queue_full_ = false;
    const auto rows = db_.retries_by_date();
    std::set<PostKey> present;
    for (const auto& row : rows) present.insert({row.platform, row.post_id});

    for (const db::RetryPost& listed : rows) {
      if (!ctx_.running()) return;
      const PostKey key{listed.platform, listed.post_id};
      // Sent with this retry count and not tried since: it is still waiting in the step C queue.
      if (auto it = sent_.find(key); it != sent_.end() && it->second == listed.retries_count) {
        ++counts_.still_queued;
        continue;
      }
      if (const auto last = parse_db_date(listed.last_retry_at)) {
        const auto due = *last + settings_.retry_period;
        const auto now = WallClock::now();
        if (due > now) {
          // Fetch what is batched unless this row falls due within the batching window.
          if (batched_ == 0 || due - now > settings_.retry_batch_window) flush();
          if (!wait_until(ctx_, due)) return;
        }
      }
      // The row may have changed while we waited (indexed at last, or failed again).
      const auto row = db_.retry(listed.platform, listed.post_id);
      if (!row) continue;
      if (row->account_id && has_urls(*row)) {
        push(*row, *row->account_id, urls_of(*row));
      } else {
        batch_[row->platform].push_back(*row);
        if (++batched_ >= static_cast<std::size_t>(settings_.retry_batch_size)) flush();
      }
    }
    flush();
    std::erase_if(sent_, [&](const auto& entry) { return !present.contains(entry.first); });
    log_info(me_, "retry pass over " + std::to_string(rows.size()) + " failed posts: " +
                      std::to_string(counts_.queued) + " sent to indexing (" + std::to_string(counts_.fetched) +
                      " fetched again), " + std::to_string(counts_.deleted) + " no longer on their platform and removed, " +
                      std::to_string(counts_.still_queued) + " still queued, " + std::to_string(counts_.failed) +
                      " left for the next pass");
    wait_until(ctx_, pass_start + settings_.retry_period);
  }

private:
  static bool has_urls(const db::RetryPost& row) {
    for (const auto& url : row.image_urls) {
      if (url && !url->empty()) return true;
    }
    return false;
  }
  static std::vector<std::string> urls_of(const db::RetryPost& row) {
    std::vector<std::string> urls;
    for (const auto& url : row.image_urls) {
      if (url && !url->empty()) urls.push_back(*url);
    }
    return urls;
  }

  // Queues the post for step C, forced (replaces what is stored) and marked as a retry (step C
  // deletes the row once it indexed fine). False when the queue refused it.
  bool push(const db::RetryPost& row, const std::string& account_id, std::vector<std::string> urls) {
    shm::PostToIndex post;
    post.platform = row.platform;
    post.post_id = row.post_id;
    post.account_id = account_id;
    post.image_urls = std::move(urls);
    post.force_index = true;
    post.was_failed_post = true;
    if (queue_full_) {
      ++counts_.failed;
      return false;
    }
    try {
      // Waits for room in one-second slices so a stopping daemon is noticed, then lets push()
      // wait its last second (and count the refusal once if the queue stays full).
      const std::size_t capacity = ctx_.segment().capacities().step_c_queue;
      for (int slice = 1; slice < kPushSlices && queue_.size() >= capacity; ++slice) {
        if (!ctx_.sleep_for(kPushSlice)) return false;
      }
      queue_.push(post, kPushSlice);
    } catch (const shm::CapacityError& e) {
      // Step C is far behind: leave the rest of this pass for the next one rather than wait
      // for room for every row.
      queue_full_ = true;
      ++counts_.failed;
      log_warning(me_, "the step C queue stays full; the failed posts not queued yet wait for the next pass: " +
                           std::string(e.what()));
      return false;
    } catch (const std::exception& e) {
      ++counts_.failed;
      log_warning(me_, "cannot queue the failed post " + row.platform + " " + row.post_id +
                           " for indexing (tried again next pass): " + e.what());
      return false;
    }
    sent_[{row.platform, row.post_id}] = row.retries_count;
    ++counts_.queued;
    return true;
  }

  // Fetches the batched posts (rows saved without an account, such as crash rescues) from
  // their platforms and queues what comes back; a post the platform no longer returns (deleted,
  // hidden, without photo) is removed from the table.
  void flush() {
    auto batch = std::exchange(batch_, {});
    batched_ = 0;
    for (auto& [platform, rows] : batch) {
      Source* source = ctx_.connectors().source(platform);
      if (source == nullptr) {
        counts_.failed += rows.size();
        log_warning(me_, std::to_string(rows.size()) + " failed posts of platform \"" + platform +
                             "\" wait: no source of that platform is loaded and enabled");
        continue;
      }
      std::vector<std::string> ids;
      for (const auto& row : rows) ids.push_back(row.post_id);
      std::vector<SocialPost> posts;
      const auto started = std::chrono::steady_clock::now();
      try {
        posts = source->fetch_posts(ids, [this] { return !ctx_.running(); });
      } catch (const std::exception& e) {
        counts_.failed += rows.size();
        log_warning(me_, "cannot fetch " + std::to_string(ids.size()) + " failed posts from " + platform +
                             " (tried again next pass): " + e.what());
        continue;
      }
      ctx_.segment().record("retry_failed_posts.fetch",
                            shm::seconds_since(started));
      std::map<std::string, const SocialPost*> by_id;
      for (const auto& post : posts) by_id[post.id] = &post;
      for (const auto& row : rows) {
        auto it = by_id.find(row.post_id);
        if (it == by_id.end()) {
          if (db_.delete_retry(row.platform, row.post_id)) ++counts_.deleted;
          sent_.erase({row.platform, row.post_id});
          log_info(me_, "failed post " + row.platform + " " + row.post_id +
                            " is no longer on its platform: removed from the re-index table");
          continue;
        }
        std::vector<std::string> urls = it->second->image_urls;
        if (urls.size() > shm::kMaxImages) urls.resize(shm::kMaxImages);
        if (push(row, it->second->account_id, std::move(urls))) ++counts_.fetched;
      }
    }
  }

  StageContext& ctx_;
  db::Database& db_;
  const Settings& settings_;
  shm::StepCQueue queue_;
  std::string me_;
  std::map<PostKey, std::int64_t> sent_;
  std::map<std::string, std::vector<db::RetryPost>> batch_;
  std::size_t batched_ = 0;
  bool queue_full_ = false;
  PassCounts counts_;
};

}  // namespace

void retry_failed_posts(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  if (settings.retry_period.count() == 0) {
    log_info(ctx.worker_name(), "retries of failed posts are off (retry_period_s = 0)");
    while (ctx.sleep_for(std::chrono::seconds(1))) {
    }
    return;
  }
  db::Database db = db::Database::of_daemon(ctx.host());
  Retries retries(ctx, db, settings);
  while (ctx.running()) retries.pass();
}

}  // namespace aotf::maintenance
