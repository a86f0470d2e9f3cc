#pragma once
// The Link Finder (step 1 of a user request): from the URL a user gave, the artwork's image
// URLs, publication date and the artist's accounts, through the registered Site connectors.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/connectors/link_multiplexer.hpp"
#include "aotf/connectors/site.hpp"

namespace aotf {

// The outcomes a user sees, named as the original's error codes. Layout changes and network
// failures are not outcomes: they are thrown (LayoutError, SiteError, http::HttpError) and the
// pipeline reports PROCESSING_ERROR.
enum class LinkFinderCode {
  Ok,
  NotAnUrl,              // NOT_AN_URL
  UnsupportedWebsite,    // UNSUPPORTED_WEBSITE
  NotAnArtworkPage,      // NOT_AN_ARTWORK_PAGE
  NoTwitterAccountFound  // NO_TWITTER_ACCOUNT_FOUND: no account on any enabled platform
};

// "NOT_AN_URL", ... ("OK" for Ok): the names clients of the original know.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(LinkFinderCode code) noexcept;

struct LinkFinderResult {
  LinkFinderCode code = LinkFinderCode::Ok;
  std::string site;  // the site that owned the URL, empty before routing
  // Lower-case, de-duplicated (first occurrence kept), reserved names removed, enabled
  // platforms only.
  std::vector<Account> accounts;
  std::vector<std::string> image_urls;  // best first
  std::optional<std::chrono::sys_seconds> published;
};

class BOOST_SYMBOL_VISIBLE LinkFinder {
public:
  // The sites must outlive the Link Finder. The first site that owns a URL gets it.
  explicit LinkFinder(std::vector<Site*> sites, LinkRequestOptions options = {});

  // Validates and routes `url` ("&amp;" read as "&"), then asks the owning site. Throws
  // LayoutError/SiteError/http::HttpError as described above.
  [[nodiscard]] LinkFinderResult find(std::string_view url) const;

  // The site that owns `url`, or nullptr; the URL is not validated.
  [[nodiscard]] Site* route(std::string_view url) const;

private:
  std::vector<Site*> sites_;
  LinkRequestOptions options_;
};

}  // namespace aotf
