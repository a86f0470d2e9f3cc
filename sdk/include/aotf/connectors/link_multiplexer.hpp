#pragma once
// The link multiplexer: given a link found on an artist's page, tells which accounts it leads to.
//
// - A link to an account on an enabled platform is that account, at any depth:
//   (www.|mobile.)twitter.com/<name> and x.com/<name> → platform "x" (reserved paths such as
//   intent, home, share, i, search, hashtag excluded; a post URL yields its author),
//   bsky.app/profile/<handle or DID> → platform "bluesky".
// - DeviantArt's outgoing-link wrapper (deviantart.com/users/outgoing?<url>) is unwrapped.
// - A link to a page that lists the artist's links is fetched and its links followed in turn:
//   DeviantArt profiles (their /about page), Pixiv profiles, Linktree (including links behind the
//   sensitive-content gate), Patreon and Carrd pages. At most `depth_limit` such pages are nested
//   (2 by default), and each page is fetched at most once per LinkRequest.
// - A DeviantArt or Pixiv artwork link is followed only when it is a booru's source
//   (LinkSource::BooruSource): it is handed to the Site that owns it, with one more level allowed.
// - Anything else leads to nothing.
//
// Fetches go to configurable base URLs while the links keep their real domains: a link to
// https://www.pixiv.net/en/users/5 is fetched as <pixiv_base>/en/users/5.

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/connectors/site.hpp"
#include "aotf/http/client.hpp"

namespace aotf {

// Where a link was found; some rules depend on it (see the header comment).
enum class LinkSource {
  Page,                // an ordinary page of a site, or a link given directly
  DeviantArtTextarea,  // the description of a DeviantArt work, or a DeviantArt /about section
  BooruSource,         // the "source" field of a booru post
};

// The URL check of the original Link Finder: optional http(s)://, 1-256 characters of
// [-a-zA-Z0-9@:%._+~#=] (the original's minimum of 2 refused x.com), a dot, a 2-4 letter
// lower-case top-level domain, then "/".
// Only the start of the text is checked (the rest may be anything).
[[nodiscard]] BOOST_SYMBOL_VISIBLE bool is_valid_url(std::string_view url);

// The account a link points to, if it is an X/Twitter or Bluesky profile (or post) link.
// The name is lower-case. Does not check whether the platform is enabled.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::optional<Account> account_from_url(std::string_view url);

// Names that are never an artist's account (site names found in site chrome): deviantart,
// twitter, derpibooru, patreon.
[[nodiscard]] BOOST_SYMBOL_VISIBLE bool is_reserved_account_name(std::string_view name);

struct LinkRequestOptions {
  int depth_limit = 2;
  // Accounts of other platforms are dropped.
  std::vector<std::string> platforms{"x", "bluesky"};
  // Polled during retry waits; true ends the request with http::HttpError(Stopped).
  std::function<bool()> should_stop;
};

// The state of one Link Finder request, shared by every site and multiplexer that works on it:
// the pages already visited and how deep the multiplexer is nested. Not thread-safe: one
// request is worked on by one thread.
class BOOST_SYMBOL_VISIBLE LinkRequest {
public:
  // `sites`: the registered sites, used to follow artwork links found as a booru's source.
  // They must outlive the request.
  explicit LinkRequest(std::vector<Site*> sites = {}, LinkRequestOptions options = {});

  // True the first time `key` is seen in this request ("linktree:name", a URL, ...).
  [[nodiscard]] bool first_visit(std::string key);
  [[nodiscard]] bool was_visited(std::string_view key) const;
  [[nodiscard]] bool platform_enabled(std::string_view platform) const;
  [[nodiscard]] const LinkRequestOptions& options() const noexcept { return options_; }

  // The site that owns `url` and whose artworks may be followed from a booru's source.
  [[nodiscard]] Site* booru_source_site(std::string_view url) const;

  // Nesting of multiplexer calls. enter() returns false (and counts nothing) when one more level
  // would exceed the limit; every successful enter() is paired with leave().
  [[nodiscard]] bool enter();
  void leave() noexcept;
  [[nodiscard]] int depth() const noexcept { return depth_; }
  // While following an artwork from a booru source the limit is one higher.
  void raise_limit() noexcept { ++extra_limit_; }
  void lower_limit() noexcept { --extra_limit_; }

private:
  std::vector<Site*> sites_;
  LinkRequestOptions options_;
  std::set<std::string, std::less<>> visited_;
  int depth_ = 0;
  int extra_limit_ = 0;
};

// Where the multiplexer fetches the pages it follows. Each base is "scheme://host[:port][/prefix]"
// without a trailing slash; the real services by default.
struct MultiplexerOptions {
  std::string deviantart_base = "https://www.deviantart.com";
  std::string pixiv_base = "https://www.pixiv.net";
  std::string linktree_base = "https://linktr.ee";
  std::string patreon_base = "https://www.patreon.com";
  // Empty: a Carrd page is fetched from its own host (https://<name>.carrd.co/). Otherwise from
  // <carrd_base>/<host>/ (one server playing every Carrd host).
  std::string carrd_base;
  // Statuses retried and waits between tries (see http::RetryPolicy). should_stop is taken from
  // the LinkRequest. DeviantArt profile pages are also retried on 403, as its artworks.
  http::RetryPolicy retry;
};

class BOOST_SYMBOL_VISIBLE LinkMultiplexer {
public:
  // `client` must outlive the multiplexer; it may be shared with other threads.
  LinkMultiplexer(http::Client& client, MultiplexerOptions options = {});

  // The accounts `url` leads to (possibly none). Throws LayoutError when a followed page cannot
  // be read, http::HttpError when its site cannot be reached.
  [[nodiscard]] std::vector<Account> follow(std::string_view url, LinkSource source, LinkRequest& request);

  // follow() for each link that passes is_valid_url(), accounts concatenated in order.
  [[nodiscard]] std::vector<Account> follow_all(const std::vector<std::string>& links, LinkSource source,
                                                LinkRequest& request);

  [[nodiscard]] const MultiplexerOptions& options() const noexcept { return options_; }

  // GET with the retry policy (plus `retry_statuses`); the status is returned, failures throw
  // http::HttpError.
  [[nodiscard]] http::Response fetch(const std::string& url, LinkRequest& request,
                                     const std::vector<int>& retry_statuses = {});

private:
  std::vector<Account> deviantart_profile(const std::string& name, LinkRequest& request);
  std::vector<Account> pixiv_profile(const std::string& user_id, LinkRequest& request);
  std::vector<Account> linktree(const std::string& name, LinkRequest& request);
  std::vector<Account> body_links(const std::string& site, const std::string& url, LinkRequest& request);
  std::vector<Account> booru_source_artwork(std::string_view url, LinkRequest& request);

  http::Client* client_;
  MultiplexerOptions options_;
};

}  // namespace aotf
