// Steps A and B: list the posts of a scanned account and queue them for step C, then the cursor
// instruction that step C saves once every one of them is committed.
//
// Posts are queued newest first, in the order the source lists them: a user request that
// launched a first-time scan is about a recent illustration, which is then indexed first. The
// order does not matter for safety: the cursor instruction comes after every post of the listing
// and step C saves it only once all of them are committed.
#include <chrono>
#include <optional>

#include <aotf/connectors/connectors.hpp>
#include <aotf/db/database.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/segment.hpp>

#include "settings.hpp"
#include "stages.hpp"

namespace aotf::scan {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kPage = 100;  // posts pushed to step C per lock

const char* step_name(shm::Listing listing) { return listing == shm::Listing::Search ? "stepA" : "stepB"; }

std::string describe(const shm::ScanSnapshot& scan) {
  return "@" + scan.account_name + " (" + scan.platform + " " + scan.account_id + ")";
}

// Why a post cannot enter the step C queue, or empty.
std::string unqueueable(const SocialPost& post) {
  if (post.image_urls.empty() || post.image_urls.size() > shm::kMaxImages) {
    return std::to_string(post.image_urls.size()) + " images (1 to " + std::to_string(shm::kMaxImages) + " are indexed)";
  }
  std::size_t total = 0;
  for (const auto& url : post.image_urls) {
    if (url.size() > shm::kMaxImageUrl) return "an image URL of " + std::to_string(url.size()) + " bytes";
    total += url.size() + 1;
  }
  if (total > shm::kMaxPostImagesBytes) return "image URLs of " + std::to_string(total) + " bytes together";
  if (post.id.empty() || post.id.size() > shm::kMaxPostId) return "a post ID of " + std::to_string(post.id.size()) + " bytes";
  if (post.account_id.empty() || post.account_id.size() > shm::kMaxAccountId) {
    return "an account ID of " + std::to_string(post.account_id.size()) + " bytes";
  }
  return {};
}

class ListingWorker {
public:
  ListingWorker(StageContext& ctx, shm::Listing listing)
      : ctx_(ctx),
        listing_(listing),
        settings_(read_settings(ctx.config())),
        db_(db::Database::of_daemon(ctx.host())),
        scans_(ctx.segment()),
        queue_(ctx.segment()) {}

  void run() {
    while (ctx_.running()) {
      std::optional<shm::ScanSnapshot> scan = scans_.pop(listing_, settings_.pop_timeout);
      if (scan) list(*scan);
    }
  }

private:
  void list(const shm::ScanSnapshot& scan) {
    const std::string who = describe(scan);
    const std::string component = ctx_.worker_name();
    ctx_.declare(scan.ref, who);
    const auto stop = [this] { return !ctx_.running(); };

    if (settings_.blocklisted(scan.platform, scan.account_id)) {
      log_info(component, who + " is in the blocklist: the scan ends without listing");
      scans_.mark_blocklisted(scan.ref);
      ctx_.clear_declaration();
      return;
    }
    Source* source = ctx_.connectors().source(scan.platform);
    if (source == nullptr) {
      log_error(component, "cannot scan " + who + ": no source for platform \"" + scan.platform +
                               "\" is loaded or enabled (see `aotfd plugins` and [plugins.sources]); the scan fails");
      scans_.fail(scan.ref);
      ctx_.clear_declaration();
      return;
    }

    try {
      const Lister lister = listing_ == shm::Listing::Search ? Lister::search : Lister::timeline;
      std::optional<ResolvedAccount> account = resolve(*source, scan, stop);
      if (!account) return;  // the scan ended (unfound)

      if (listing_ == shm::Listing::Search && scan.reset_search_cursor) {
        db_.reset_search_cursor(scan.platform, scan.account_id);
        log_info(component, "search cursor of " + who + " reset before listing");
      }
      std::string cursor;
      if (auto row = db_.account(scan.platform, scan.account_id)) {
        const auto& value = listing_ == shm::Listing::Search ? row->search_cursor : row->timeline_cursor;
        cursor = value.value_or("");
      }

      const auto started = Clock::now();
      aotf::Listing listed = source->list_posts(lister, *account, cursor, stop);
      if (!listed.supported) {
        listed.cursor = cursor;  // nothing listed: the instruction carries the cursor unchanged
      } else if (!listed.posts.empty()) {
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        ctx_.segment().record(std::string(step_name(listing_)) + " listing per post",
                              seconds / static_cast<double>(listed.posts.size()));
      }
      const std::size_t queued = queue_posts(listed.posts, who);

      shm::CursorInstruction instruction;
      instruction.listing = listing_;
      instruction.cursor = listed.cursor;
      instruction.scan = scan.ref;
      instruction.platform = scan.platform;
      instruction.account_id = scan.account_id;
      instruction.account_name = account->name.empty() ? scan.account_name : account->name;
      queue_.push(instruction, settings_.queue_full_wait);
      log_info(component, who + ": " + (listed.supported ? std::to_string(listed.posts.size()) + " posts listed, " +
                                                               std::to_string(queued) + " new queued for indexing"
                                                         : std::string("no ") + std::string(to_string(lister)) +
                                                               " lister on this platform"));
    } catch (const SourceError& e) {
      scans_.fail(scan.ref);
      if (e.kind() == SourceError::Kind::Stopped && !ctx_.running()) {
        ctx_.clear_declaration();  // the daemon stops: nothing to report
        return;
      }
      throw;
    } catch (...) {
      // The scan fails at once: step C will not save a cursor for it, so every post this listing
      // missed is listed again by the next scan. Posts already queued are still indexed.
      scans_.fail(scan.ref);
      throw;  // the error collector logs it (and would fail the declared scan if this had not)
    }
    ctx_.clear_declaration();
  }

  // The account as the platform knows it now, or empty when the scan ended as unfound.
  std::optional<ResolvedAccount> resolve(Source& source, const shm::ScanSnapshot& scan, const StopPredicate& stop) {
    const std::string who = describe(scan);
    std::string name = scan.account_name;
    if (name.empty()) {
      if (auto row = db_.account(scan.platform, scan.account_id)) name = row->name.value_or("");
    }
    if (name.empty()) {
      // No name to look up: list by ID (a timeline needs nothing else; a search may refuse).
      return ResolvedAccount{AccountState::ok, scan.account_id, ""};
    }
    ResolvedAccount account = source.resolve_account(name, stop);
    if (account.state != AccountState::ok || account.id != scan.account_id) {
      const std::string why = account.state != AccountState::ok
                                  ? std::string(to_string(account.state))
                                  : "the name now belongs to another account (" + account.id + ")";
      log_info(ctx_.worker_name(), who + " cannot be listed: " + why + "; the scan ends");
      scans_.mark_unfound(scan.ref);
      ctx_.clear_declaration();
      return std::nullopt;
    }
    return account;
  }

  // Pushes the posts not yet stored, a page at a time. Returns how many were queued.
  std::size_t queue_posts(const std::vector<SocialPost>& posts, const std::string& who) {
    std::vector<shm::PostToIndex> page;
    std::size_t queued = 0;
    const auto flush = [&] {
      if (page.empty()) return;
      queue_.push(page, settings_.queue_full_wait);
      queued += page.size();
      page.clear();
    };
    for (const SocialPost& post : posts) {
      // A search that re-reads the cursor's day lists posts already indexed: skip them here
      // rather than in step C, so the queue only holds work.
      if (db_.has_post(post.platform, post.id)) continue;
      if (const std::string why = unqueueable(post); !why.empty()) {
        log_error(ctx_.worker_name(), who + ": post " + post.id + " is not indexed: it has " + why);
        continue;
      }
      shm::PostToIndex item;
      item.platform = post.platform;
      item.post_id = post.id;
      item.account_id = post.account_id;
      item.image_urls = post.image_urls;
      page.push_back(std::move(item));
      if (page.size() == kPage) flush();
    }
    flush();
    return queued;
  }

  StageContext& ctx_;
  shm::Listing listing_;
  Settings settings_;
  db::Database db_;
  shm::ScanRequests scans_;
  shm::StepCQueue queue_;
};

}  // namespace

void run_listing_stage(StageContext& ctx, shm::Listing listing) {
  ListingWorker worker(ctx, listing);
  worker.run();
}

}  // namespace aotf::scan
