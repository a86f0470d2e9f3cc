// Step C: index the posts the listings queued, and save each listing's cursor once every post
// listed before it is committed (reference 5.5, 5.6).
#include <chrono>
#include <optional>

#include <aotf/connectors/connectors.hpp>
#include <aotf/db/database.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/segment.hpp>

#include "image_download.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::scan {

namespace {

using Clock = std::chrono::steady_clock;

db::RetryPost retry_row(const shm::PostToIndex& post) {
  db::RetryPost row;
  row.platform = post.platform;
  row.post_id = post.post_id;
  row.account_id = post.account_id;
  for (std::size_t i = 0; i < post.image_urls.size() && i < row.image_urls.size(); ++i) row.image_urls[i] = post.image_urls[i];
  return row;
}

class IndexingWorker {
public:
  explicit IndexingWorker(StageContext& ctx)
      : ctx_(ctx),
        settings_(read_settings(ctx.config())),
        mode_(image::fingerprint_mode(ctx.host())),
        db_(db::Database::of_daemon(ctx.host())),
        scans_(ctx.segment()),
        queue_(ctx.segment()),
        images_(settings_.download, mode_, ctx.connectors(), &ctx.segment()) {}

  void run() {
    // A post this worker still declares was in progress when its process died. Handle it before
    // the first pop replaces the declaration: until then, a cursor instruction of that account
    // waits on it (wait_for_account_posts), so its scan fails before any cursor could be saved.
    bool rescued = false;
    for (const shm::IndexingEntry& entry : queue_.indexing_snapshot()) {
      if (entry.worker == ctx_.worker_name()) {
        rescue(entry.post);
        rescued = true;
      }
    }
    bool first_time = true;
    while (ctx_.running()) {
      shm::StepCPop popped = queue_.pop_and_declare(ctx_.worker_name(), first_time, settings_.pop_timeout);
      first_time = false;
      if (popped.crashed && !rescued) rescue(*popped.crashed);
      if (!popped.item) continue;
      if (popped.item->kind == shm::StepCItem::Post) {
        index(popped.item->post);
      } else {
        finish(popped.item->cursor);
      }
    }
  }

private:
  // The post's URLs died with the process: the ID goes to the re-index table (the retry worker
  // fetches the post again), and the account's running scan fails so that no cursor moves past
  // the post: the next scan lists it again.
  void rescue(const shm::IndexingPost& post) {
    const bool added = db_.rescue_post(post.platform, post.post_id);
    bool failed = false;
    if (auto scan = scans_.get(post.platform, post.account_id); scan && !scan->ended()) failed = scans_.fail(scan->ref);
    log_warning(ctx_.worker_name(), "restarted after a crash while indexing post " + post.post_id + " (" +
                                        post.platform + "): " +
                                        (added ? "kept for a later re-index" : "already kept for a re-index") +
                                        (failed ? "; the scan of account " + post.account_id + " fails" : ""));
  }

  // Both listings of a scan list most posts: when another worker declared the same post before
  // this one, it commits it (or keeps it for a re-index, or its crash is rescued), so this worker
  // skips it instead of downloading its images twice.
  bool taken_by_another_worker(const shm::PostToIndex& post) {
    const auto slots = queue_.indexing_snapshot();
    std::uint64_t mine = 0;
    for (const auto& entry : slots) {
      if (entry.worker == ctx_.worker_name()) mine = entry.sequence;
    }
    for (const auto& entry : slots) {
      if (entry.worker != ctx_.worker_name() && entry.sequence < mine && entry.post.post_id == post.post_id &&
          entry.post.platform == post.platform) {
        return true;
      }
    }
    return false;
  }

  void index(const shm::PostToIndex& post) {
    try {
      // Slots first: a worker clears its slot only after committing, so a post is either still
      // declared by the other worker or already stored when has_post looks.
      if (!post.force_index && (taken_by_another_worker(post) || db_.has_post(post.platform, post.post_id))) {
        if (post.was_failed_post && db_.has_post(post.platform, post.post_id)) {
          db_.delete_retry(post.platform, post.post_id);
        }
        queue_.clear(ctx_.worker_name());
        return;
      }
      const auto started = Clock::now();
      db::Post row;
      row.platform = post.platform;
      row.post_id = post.post_id;
      row.account_id = post.account_id;
      bool retry = false;
      const auto stop = [this] { return !ctx_.running(); };
      for (std::size_t i = 0; i < post.image_urls.size() && i < row.images.size(); ++i) {
        IndexedImage image = images_.index(post.image_urls[i], stop);
        row.images[i].name = image.name;
        if (image.fingerprint) row.images[i].fingerprint = *image.fingerprint;
        if (!image.problem.empty()) {
          log_warning(ctx_.worker_name(), "post " + post.post_id + " (" + post.platform + "), image " +
                                              std::to_string(i + 1) + " " + post.image_urls[i] + ": " + image.problem +
                                              (image.failed ? "; the post is kept for a later re-index" : ""));
        }
        retry = retry || image.failed;
      }
      const auto inserting = Clock::now();
      // The post and its re-index row change together: a kill between them cannot lose a retry.
      db_.write_transaction([&] {
        if (post.force_index) {
          db_.replace_post(row);
        } else {
          db_.insert_post(row);  // first write wins
        }
        if (retry) {
          db_.upsert_retry(retry_row(post));
        } else if (post.was_failed_post) {
          db_.delete_retry(post.platform, post.post_id);
        }
      });
      ctx_.segment().record("stepC database insert", shm::seconds_since(inserting));
      ctx_.segment().record("stepC per post", shm::seconds_since(started));
    } catch (...) {
      // Keep the post for a re-index before the collector restarts this worker (reference 5.5).
      try {
        db_.upsert_retry(retry_row(post));
      } catch (const std::exception& e) {
        log_error(ctx_.worker_name(), "post " + post.post_id + " (" + post.platform +
                                          ") could not be kept for a re-index either: " + e.what());
      }
      queue_.clear(ctx_.worker_name());
      throw;
    }
    queue_.clear(ctx_.worker_name());
  }

  // Declares the scan while its instruction is handled: if this process dies meanwhile, the
  // instruction is gone with it, and the supervisor fails the scan instead of leaving it
  // unfinished forever; an exception fails it too (no cursor is saved then).
  void finish(const shm::CursorInstruction& instruction) {
    ctx_.declare(instruction.scan, std::string("saving the ") +
                                       (instruction.listing == shm::Listing::Search ? "search" : "timeline") +
                                       " cursor of @" + instruction.account_name);
    finish_declared(instruction);
    ctx_.clear_declaration();
  }

  void finish_declared(const shm::CursorInstruction& instruction) {
    const std::string who = "@" + instruction.account_name + " (" + instruction.platform + " " +
                            instruction.account_id + ")";
    const char* which = instruction.listing == shm::Listing::Search ? "search" : "timeline";
    // Every post of this account that a worker holds now was listed before this instruction:
    // wait until they are committed (reference 5.5 end_request), checking the stop flag.
    const auto deadline = Clock::now() + settings_.cursor_wait_max;
    const auto noisy = Clock::now() + std::chrono::seconds(10);
    bool committed = false;
    bool said = false;
    while (!committed) {
      committed = queue_.wait_for_account_posts(instruction.platform, instruction.account_id, std::chrono::seconds(1));
      if (committed) break;
      if (!ctx_.running()) return;  // the scan dies with the daemon; the next scan lists again
      if (!said && Clock::now() > noisy) {
        log_info(ctx_.worker_name(), "waiting for the posts of " + who + " still being indexed before saving its " +
                                         which + " cursor");
        said = true;
      }
      if (Clock::now() > deadline) break;
    }
    const shm::ListingFinish finished = scans_.finish_listing(instruction.scan, instruction.listing);
    if (finished.scan_ended) {
      if (auto scan = scans_.get(instruction.scan); scan && scan->finished_ms > scan->created_ms) {
        ctx_.segment().record("scan creation to end", static_cast<double>(scan->finished_ms - scan->created_ms) / 1000.0);
      }
    }
    if (!committed) {
      log_warning(ctx_.worker_name(), "the " + std::string(which) + " cursor of " + who +
                                          " is not saved: posts listed before it were still being indexed after " +
                                          std::to_string(settings_.cursor_wait_max.count() / 1000) +
                                          " s (cursor_wait_max_s); the next scan lists them again");
      return;
    }
    if (!finished.save_cursor) {
      log_info(ctx_.worker_name(), "the scan of " + who + " failed: its " + which + " cursor is not saved");
      return;
    }
    const std::optional<std::string> cursor =
        instruction.cursor.empty() ? std::nullopt : std::optional<std::string>(instruction.cursor);
    const std::optional<std::string> name =
        instruction.account_name.empty() ? std::nullopt : std::optional<std::string>(instruction.account_name);
    if (instruction.listing == shm::Listing::Search) {
      db_.save_search_cursor(instruction.platform, instruction.account_id, cursor, name);
    } else {
      db_.save_timeline_cursor(instruction.platform, instruction.account_id, cursor, name);
    }
  }

  StageContext& ctx_;
  Settings settings_;
  image::FingerprintMode mode_;
  db::Database db_;
  shm::ScanRequests scans_;
  shm::StepCQueue queue_;
  ImageIndexer images_;
};

}  // namespace

void run_indexing_stage(StageContext& ctx) {
  IndexingWorker worker(ctx);
  worker.run();
}

}  // namespace aotf::scan
