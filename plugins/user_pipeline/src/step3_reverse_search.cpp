// Step 3 (reference 4.6): the query image's fingerprint, compared with every image of the
// request's accounts (or of the whole database for a direct request without an account), the
// posts the platform no longer returns dropped, the rest sorted as the original.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <aotf/connectors/connectors.hpp>
#include <aotf/db/database.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>
#include <aotf/uploads.hpp>

#include "account_text.hpp"
#include "query_image.hpp"
#include "results_log.hpp"
#include "settings.hpp"
#include "stages.hpp"
#include "whole_database_index.hpp"

namespace aotf::user_pipeline {
namespace {

using namespace std::chrono_literals;

// Deletes an uploaded image once its request is over, however it ends.
class UploadCleanup {
public:
  explicit UploadCleanup(std::filesystem::path file) : file_(std::move(file)) {}
  ~UploadCleanup() {
    std::error_code ec;
    if (!file_.empty()) std::filesystem::remove(file_, ec);
  }
  UploadCleanup(const UploadCleanup&) = delete;
  UploadCleanup& operator=(const UploadCleanup&) = delete;

private:
  std::filesystem::path file_;
};

class ReverseSearch {
public:
  ReverseSearch(StageContext& ctx, const Settings& settings, db::Database& database)
      : ctx_(ctx), settings_(settings), database_(database), users_(ctx.segment()) {}

  void handle(const shm::UserRequestSnapshot& request) {
    const bool upload = request.is_direct && request.image_urls.empty() && is_upload_identifier(request.input_url);
    UploadCleanup cleanup(upload ? upload_path(ctx_.host(), request.input_url) : std::filesystem::path());

    const QueryImage query = query_image(request, upload);
    if (!query.fingerprint) {
      log_info(ctx_.worker_name(), request.input_url + ": " + std::string(shm::to_string(query.error)) + ": " +
                                       query.detail);
      end_with(request, query.error);
      return;
    }
    std::vector<db::Match> matches;
    if (!request.is_direct) {
      for (const auto& account : request.accounts) search_account(account.platform, account.id, *query.fingerprint, matches);
    } else if (!request.accounts.empty()) {
      const auto named = parse_account_text(request.accounts[0].name, default_platform());
      Source* source = ctx_.connectors().source(named.platform);
      if (source == nullptr || named.name.empty()) {
        end_with(request, shm::UserError::InvalidTwitterAccount);
        return;
      }
      const auto resolved = source->resolve_account(named.name, [this] { return !ctx_.running(); });
      if (resolved.state != AccountState::ok) {
        end_with(request, shm::UserError::InvalidTwitterAccount);
        return;
      }
      if (!database_.account(named.platform, resolved.id)) {
        end_with(request, shm::UserError::TwitterAccountNotIndexed);
        return;
      }
      search_account(named.platform, resolved.id, *query.fingerprint, matches);
    } else {
      const auto start = std::chrono::steady_clock::now();
      matches = process_index().search(database_, query.fingerprint->bits, settings_.max_distance);
      ctx_.segment().record(kMetricWholeDatabaseSearch, shm::seconds_since(start));
    }
    if (settings_.check_found_posts) drop_deleted_posts(request.input_url, matches);
    std::sort(matches.begin(), matches.end(), db::match_order);

    std::vector<shm::FoundPost> results;
    for (const auto& m : matches) {
      if (results.size() == shm::kMaxResults) break;
      if (m.post_id.size() > shm::kMaxPostId || m.account_id.size() > shm::kMaxAccountId) {
        // A request holds bounded ids; one that does not fit is named rather than failing the rest.
        log_error(ctx_.worker_name(), request.input_url + ": the " + m.platform + " post " + m.post_id +
                                          " matched but its id is too long to be returned");
        continue;
      }
      results.push_back({m.platform, m.post_id, m.account_id, static_cast<std::uint8_t>(m.position),
                         static_cast<std::uint8_t>(m.images_count), static_cast<std::uint8_t>(m.distance)});
    }
    users_.set_results(request.ref, results);
    if (users_.next_step(request.ref) && settings_.results_log) {  // END
      if (const auto ended = users_.get(request.ref)) write_result(ctx_.host(), *ended);
    }
    record_request_time(request);
  }

private:
  std::string default_platform() {
    const auto platforms = ctx_.connectors().platforms();
    return platforms.empty() ? std::string("x") : platforms.front();
  }

  QueryImage query_image(const shm::UserRequestSnapshot& request, bool upload) {
    QueryImageOptions options;
    options.mode = image::fingerprint_mode(ctx_.host());
    options.timeout = settings_.image_timeout;
    options.retry_wait_502 = settings_.image_retry_wait;
    options.headers_for = [this](const std::string& url) { return ctx_.connectors().image_headers(url); };
    options.sleep_for = [this](std::chrono::milliseconds d) { return ctx_.sleep_for(d); };
    options.on_download = [this](double s) { ctx_.segment().record(kMetricImageDownload, s); };
    options.on_fingerprint = [this](double s) { ctx_.segment().record(kMetricFingerprint, s); };
    if (upload) return query_image_from_file(upload_path(ctx_.host(), request.input_url), options);
    if (request.image_urls.empty() && !request.is_direct) {
      // Step 1 found no image URL on the page: nothing to compare.
      throw QueryImageError("the Link Finder gave no image URL for " + request.input_url);
    }
    return query_image_from_urls(request.image_urls, request.is_direct, options);
  }

  void search_account(const std::string& platform, const std::string& account_id, image::Fingerprint query,
                      std::vector<db::Match>& out) {
    const auto start = std::chrono::steady_clock::now();
    auto found = database_.search_account(platform, account_id, query.bits, settings_.max_distance);
    ctx_.segment().record(kMetricAccountSearch, shm::seconds_since(start));
    (void)database_.record_account_use(platform, account_id);
    out.insert(out.end(), found.begin(), found.end());
  }

  // Reference 4.6 step 4: posts the platform no longer returns are dropped. A platform that is
  // disabled or fails keeps its posts (the answer may then hold a deleted post, never lose one).
  void drop_deleted_posts(const std::string& input, std::vector<db::Match>& matches) {
    if (matches.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    std::map<std::string, std::vector<std::string>> ids_by_platform;
    for (const auto& m : matches) {
      auto& ids = ids_by_platform[m.platform];
      if (std::find(ids.begin(), ids.end(), m.post_id) == ids.end()) ids.push_back(m.post_id);
    }
    std::set<std::pair<std::string, std::string>> gone;
    for (const auto& [platform, ids] : ids_by_platform) {
      Source* source = ctx_.connectors().source(platform);
      if (source == nullptr) {
        log_info(ctx_.worker_name(), input + ": the " + platform + " source is not enabled; " +
                                         std::to_string(ids.size()) + " found post(s) kept unchecked");
        continue;
      }
      std::set<std::string> present;
      try {
        for (const auto& post : source->fetch_posts(ids, [this] { return !ctx_.running(); })) present.insert(post.id);
      } catch (const std::exception& e) {
        log_warning(ctx_.worker_name(), input + ": cannot check whether the " + platform +
                                            " posts found still exist (kept): " + e.what());
        continue;
      }
      for (const auto& id : ids) {
        if (!present.count(id)) gone.insert({platform, id});
      }
    }
    std::erase_if(matches, [&](const db::Match& m) { return gone.count({m.platform, m.post_id}) != 0; });
    ctx_.segment().record(kMetricRecheck, shm::seconds_since(start));
  }

  void end_with(const shm::UserRequestSnapshot& request, shm::UserError error) {
    users_.fail(request.ref, error);
    record_request_time(request);
  }

  void record_request_time(const shm::UserRequestSnapshot& request) {
    if (request.created_ms > 0) {
      ctx_.segment().record(kMetricRequestToEnd, static_cast<double>(shm::wall_ms() - request.created_ms) / 1000.0);
    }
  }

  StageContext& ctx_;
  const Settings& settings_;
  db::Database& database_;
  shm::UserRequests users_;
};

}  // namespace

void run_step3_reverse_search(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  db::Database database = db::Database::of_daemon(ctx.host());
  ReverseSearch search(ctx, settings, database);
  shm::UserRequests users(ctx.segment());
  while (ctx.running()) {
    const auto request = users.pop(shm::UserStep::ReverseSearch, 1s);
    if (!request) continue;
    ctx.declare(request->ref, "reverse search for " + request->input_url);
    search.handle(*request);
    ctx.clear_declaration();
  }
}

}  // namespace aotf::user_pipeline
