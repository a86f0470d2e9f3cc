#pragma once
// An art site the Link Finder understands (DeviantArt, Pixiv, the boorus, ...).
//
// A Site owns a set of URLs (its domains), recognises which of them are artwork pages and, for an
// artwork, finds the image URLs (best first), the publication date and the artist's accounts on
// the social platforms aotfd indexes. Accounts are found on the site's own pages and by following
// links through the LinkMultiplexer (aotf/connectors/link_multiplexer.hpp).
//
// A Site keeps no per-request state (that lives in LinkRequest), so one object may serve several
// threads at once.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/config.hpp>

#include "aotf/config.hpp"
#include "aotf/error.hpp"

namespace aotf {

class LinkRequest;

// An account on a social platform: platform "x" (screen name) or "bluesky" (handle or DID).
// Names are lower-case.
struct Account {
  std::string platform;
  std::string name;

  friend bool operator==(const Account&, const Account&) = default;
};

// What a site knows about one artwork page.
struct Artwork {
  // Best first (original file, then smaller renditions). Empty when no account was found: like
  // the original, a site may skip the image lookup then.
  std::vector<std::string> image_urls;
  // The publication time, converted to UTC (an offset in the page is applied, never dropped).
  std::optional<std::chrono::sys_seconds> published;
  // In the order found; the Link Finder lower-cases, de-duplicates and filters them.
  std::vector<Account> accounts;
};

// A site answered something its connector cannot read any more: a selector that matches
// nothing, a JSON field that is missing or of another type. The site changed its layout; the
// pipeline reports PROCESSING_ERROR. what() names the site, what was missing and where.
class BOOST_SYMBOL_VISIBLE SiteError : public Error {
public:
  SiteError(std::string site, const std::string& message);
  [[nodiscard]] const std::string& site() const noexcept { return site_; }

private:
  std::string site_;
};

class BOOST_SYMBOL_VISIBLE LayoutError : public SiteError {
public:
  // `missing`: "div[data-hook=deviation_meta]", "illust.123.urls.original", ...
  // `where`: the URL of the page or API answer.
  LayoutError(std::string site, std::string missing, std::string where);
  [[nodiscard]] const std::string& missing() const noexcept { return missing_; }
  [[nodiscard]] const std::string& where() const noexcept { return where_; }

private:
  std::string missing_;
  std::string where_;
};

class Site {
public:
  virtual ~Site() = default;
  // The name it was registered under: "deviantart", "pixiv", ...
  [[nodiscard]] virtual std::string_view name() const = 0;

  // True when the URL belongs to this site's domains (the routing of the Link Finder). It does
  // not mean the URL is an artwork page.
  [[nodiscard]] virtual bool owns(std::string_view url) const = 0;

  // True for sites whose artwork links found as a booru's source are followed to find the
  // artist (DeviantArt, Pixiv). Other sites' artworks are never followed from another site.
  [[nodiscard]] virtual bool followed_from_booru_source() const { return false; }

  // Looks the artwork up. std::nullopt: the URL is not an artwork page of this site (wrong form,
  // 404, not an image). Throws LayoutError when the page cannot be read any more, SiteError on
  // any other unusable answer, http::HttpError when the site could not be reached.
  [[nodiscard]] virtual std::optional<Artwork> lookup(std::string_view url, LinkRequest& request) = 0;

  // Headers to send when downloading one of this site's image URLs (Pixiv's image host refuses
  // a download without its Referer), or std::nullopt when the URL is not this site's.
  [[nodiscard]] virtual std::optional<std::vector<std::pair<std::string, std::string>>> image_headers(
      std::string_view image_url) const {
    (void)image_url;
    return std::nullopt;
  }
};

// Builds the connector from the validated keys of the plugin that registered it.
using SiteFactory = std::function<std::unique_ptr<Site>(const ConfigView& plugin_config)>;

// Parses an ISO 8601 / RFC 3339 timestamp ("2021-03-01T12:34:56.789-05:00", "...Z", "... +0900",
// or without an offset, which is read as UTC) and converts it to UTC. Fractions of a second are
// dropped. std::nullopt when the text is not such a timestamp.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);

}  // namespace aotf
