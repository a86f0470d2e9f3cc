#pragma once
// A social platform whose posts aotfd indexes (X, Bluesky, ...).
//
// A Source turns an account name into a stable account id, lists the account's posts that carry
// photos (two listers: "search", step A, and "timeline", step B; each resumable from a cursor),
// and fetches posts again by id (re-indexing). It only talks to its upstream when one of these is
// called: building a Source sends nothing.
//
// What a caller may rely on:
// - Listings return posts newest first, each post at most once, only posts written by the
//   account (no reposts/retweets, no posts by other authors), only posts with at least one photo.
// - A listing either completes (all pages up to the cursor) or throws; a cursor is never returned
//   for a partial listing, so saving it after the posts are committed is always safe.
// - Upstream answers that do not have the expected shape throw SourceError naming the platform,
//   the endpoint and what was missing. Failures to reach the upstream throw aotf::http::HttpError.
// - Rate limits are waited out inside the call (interruptible by should_stop, capped by config).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/config.hpp>

#include "aotf/config.hpp"
#include "aotf/error.hpp"

namespace aotf {

// Polled during long waits (rate limits, retries); true ends the call with SourceError(Stopped).
using StopPredicate = std::function<bool()>;

enum class AccountState {
  ok,
  not_found,        // no such account, or it was deleted / deactivated
  private_account,  // exists, but its posts are not public (X "protected")
  suspended,        // exists, suspended by the platform
};
[[nodiscard]] inline std::string_view to_string(AccountState state) noexcept {
  switch (state) {
    case AccountState::ok: return "ok";
    case AccountState::not_found: return "not found";
    case AccountState::private_account: return "private";
    case AccountState::suspended: return "suspended";
  }
  return "unknown";
}

// The answer to "who is this name" (aotf::Account in site.hpp is only a platform + name).
struct ResolvedAccount {
  AccountState state = AccountState::not_found;
  std::string id;    // stable id on the platform: X user id "2244994945", Bluesky DID "did:plc:..."
  std::string name;  // canonical current name: X username, Bluesky handle; the asked name if unknown
};

// One post as the platform lists it.
struct SocialPost {
  std::string platform;    // "x", "bluesky"
  std::string id;          // X: tweet id; Bluesky: the post's at:// URI
  std::string account_id;  // the author's id (see ResolvedAccount::id)
  std::chrono::sys_seconds published{};  // UTC
  // 1 to 4 URLs to download, in the order the post shows its photos: index = position among
  // the post's photos (videos and GIFs are skipped and do not take a position).
  std::vector<std::string> image_urls;
};

enum class Lister {
  search,    // step A: the platform's search ("from:name has:images")
  timeline,  // step B: the account's own timeline / author feed
};
[[nodiscard]] inline std::string_view to_string(Lister lister) noexcept {
  return lister == Lister::search ? "search" : "timeline";
}

struct Listing {
  // False when the platform has no such lister: nothing was listed and nothing was sent.
  bool supported = true;
  std::vector<SocialPost> posts;  // newest first
  // Pass it back to the next listing of the same account and lister to get only newer posts.
  // Equal to the given cursor when nothing newer was found. Opaque; platform-specific.
  std::string cursor;
};

class BOOST_SYMBOL_VISIBLE SourceError : public Error {
public:
  enum class Kind {
    Malformed,  // the answer is not the JSON the endpoint documents (names what was missing)
    Upstream,   // an error status or error object the source cannot act on (401, 500 twice, ...)
    RateLimited,  // still rate limited after the longest wait the configuration allows
    Stopped,    // should_stop returned true during a wait
  };
  SourceError(Kind kind, std::string platform, std::string endpoint, const std::string& message)
      : Error(message), kind_(kind), platform_(std::move(platform)), endpoint_(std::move(endpoint)) {}
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& platform() const noexcept { return platform_; }
  [[nodiscard]] const std::string& endpoint() const noexcept { return endpoint_; }

private:
  Kind kind_;
  std::string platform_;
  std::string endpoint_;
};

class Source {
public:
  virtual ~Source() = default;
  // The platform name stored with accounts and posts: "x", "bluesky".
  [[nodiscard]] virtual std::string_view platform() const = 0;

  // Looks an account up by name (without a leading '@'). A missing, suspended or private account
  // is a state, not an error.
  [[nodiscard]] virtual ResolvedAccount resolve_account(const std::string& name, const StopPredicate& should_stop = {}) = 0;

  [[nodiscard]] virtual bool has_lister(Lister lister) const = 0;

  // Lists the posts of `account` (one this source resolved) newer than `cursor` (empty:
  // everything the platform lets us see), following every page. A lister the platform does not
  // have returns {supported = false, cursor = cursor} at once.
  [[nodiscard]] virtual Listing list_posts(Lister lister, const ResolvedAccount& account, const std::string& cursor,
                                           const StopPredicate& should_stop = {}) = 0;

  // Fetches posts by id (any number; batched per the platform's limit). Posts that no longer
  // exist, are not visible, are reposts or carry no photo are absent from the result.
  [[nodiscard]] virtual std::vector<SocialPost> fetch_posts(const std::vector<std::string>& ids,
                                                      const StopPredicate& should_stop = {}) = 0;
};

// Builds the connector from the validated keys of the plugin that registered it. May return
// nullptr when the configuration disables the source (e.g. X without a token); the plugin then
// has logged once why and how to enable it.
using SourceFactory = std::function<std::unique_ptr<Source>(const ConfigView& plugin_config)>;

}  // namespace aotf
