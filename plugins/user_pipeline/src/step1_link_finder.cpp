// Step 1 (reference 4.4): the Link Finder, then the validation of every account it found.
#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <aotf/connectors/connectors.hpp>
#include <aotf/connectors/link_finder.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "settings.hpp"
#include "stages.hpp"
#include "warnings_log.hpp"

namespace aotf::user_pipeline {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kWarnAccounts = 10;  // reference 13: ">= 10 accounts" goes to warnings.log

shm::UserError to_user_error(LinkFinderCode code) {
  switch (code) {
    case LinkFinderCode::NotAnUrl: return shm::UserError::NotAnUrl;
    case LinkFinderCode::UnsupportedWebsite: return shm::UserError::UnsupportedWebsite;
    case LinkFinderCode::NotAnArtworkPage: return shm::UserError::NotAnArtworkPage;
    case LinkFinderCode::NoTwitterAccountFound: return shm::UserError::NoTwitterAccountFound;
    case LinkFinderCode::Ok: break;
  }
  return shm::UserError::None;
}

// Resolves every name through its platform's source: unknown, suspended and private accounts
// are dropped, the canonical name and the id come from the platform, blocklisted ids are dropped.
std::vector<shm::Account> validate_accounts(StageContext& ctx, const Settings& settings,
                                            const std::vector<Account>& found, const std::string& url) {
  std::vector<shm::Account> valid;
  std::set<std::pair<std::string, std::string>> seen;
  const auto should_stop = [&ctx] { return !ctx.running(); };
  for (const auto& account : found) {
    Source* source = ctx.connectors().source(account.platform);
    if (source == nullptr) {
      log_info(ctx.worker_name(), url + ": @" + account.name + " dropped, the " + account.platform +
                                      " source is not enabled");
      continue;
    }
    const ResolvedAccount resolved = source->resolve_account(account.name, should_stop);
    if (resolved.state != AccountState::ok) {
      log_info(ctx.worker_name(), url + ": " + account.platform + " account @" + account.name + " dropped: " +
                                      std::string(to_string(resolved.state)));
      continue;
    }
    if (settings.blocklisted(account.platform, resolved.id)) {
      log_info(ctx.worker_name(), url + ": " + account.platform + " account @" + resolved.name + " (ID " +
                                      resolved.id + ") dropped: in the blocklist");
      continue;
    }
    if (!seen.insert({account.platform, resolved.id}).second) continue;  // two names, one account
    if (resolved.id.size() > shm::kMaxAccountId || resolved.name.size() > shm::kMaxAccountName) {
      log_warning(ctx.worker_name(), url + ": " + account.platform + " account @" + resolved.name +
                                         " dropped: its name or id is longer than a request can hold");
      continue;
    }
    if (valid.size() == shm::kMaxAccounts) {
      log_warning(ctx.worker_name(), url + ": more than " + std::to_string(shm::kMaxAccounts) +
                                         " valid accounts; only the first ones are searched");
      break;
    }
    valid.push_back({account.platform, resolved.name, resolved.id});
  }
  return valid;
}

std::vector<std::string> usable_image_urls(const std::vector<std::string>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) {
    if (u.empty() || u.size() > shm::kMaxImageUrl) continue;
    out.push_back(u);
    if (out.size() == shm::kMaxImages) break;
  }
  return out;
}

void find_links(StageContext& ctx, const Settings& settings, shm::UserRequests& users,
                const shm::UserRequestSnapshot& request) {
  const std::string& url = request.input_url;
  LinkRequestOptions options;
  options.depth_limit = settings.link_finder_depth;
  options.platforms = ctx.connectors().platforms();
  options.should_stop = [&ctx] { return !ctx.running(); };
  const LinkFinder finder(ctx.connectors().sites(), options);

  const auto start = std::chrono::steady_clock::now();
  const LinkFinderResult result = finder.find(url);  // layout and network errors: the collector
  if (result.code != LinkFinderCode::Ok) {
    users.fail(request.ref, to_user_error(result.code));
    return;
  }
  if (result.accounts.size() >= kWarnAccounts) {
    write_warning(ctx.host(), ctx.worker_name(),
                  "Link Finder found " + std::to_string(result.accounts.size()) + " accounts for " + url);
  }
  const std::vector<shm::Account> accounts = validate_accounts(ctx, settings, result.accounts, url);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ctx.segment().record(kMetricLinkFinder, std::chrono::duration<double>(elapsed).count());
  if (elapsed >= settings.slow_link_finder) {
    write_warning(ctx.host(), ctx.worker_name(),
                  "Link Finder took " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count()) +
                      " s for " + url);
  }
  if (accounts.empty()) {
    users.fail(request.ref, shm::UserError::NoValidTwitterAccountFound);
    return;
  }
  const std::int64_t published_ms =
      result.published ? std::chrono::duration_cast<std::chrono::milliseconds>(result.published->time_since_epoch()).count()
                       : 0;
  users.set_link_finder_result(request.ref, usable_image_urls(result.image_urls), accounts, published_ms);
  users.next_step(request.ref);
}

}  // namespace

void run_step1_link_finder(StageContext& ctx) {
  const Settings settings = Settings::read(ctx.config());
  shm::UserRequests users(ctx.segment());
  while (ctx.running()) {
    const auto request = users.pop(shm::UserStep::LinkFinder, 1s);
    if (!request) continue;
    ctx.declare(request->ref, "Link Finder on " + request->input_url);
    find_links(ctx, settings, users, *request);
    ctx.clear_declaration();
  }
}

}  // namespace aotf::user_pipeline
