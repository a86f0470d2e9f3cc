#include "aotf/connectors/link_finder.hpp"

#include <algorithm>
#include <cctype>

namespace aotf {

std::string_view to_string(LinkFinderCode code) noexcept {
  switch (code) {
    case LinkFinderCode::Ok: return "OK";
    case LinkFinderCode::NotAnUrl: return "NOT_AN_URL";
    case LinkFinderCode::UnsupportedWebsite: return "UNSUPPORTED_WEBSITE";
    case LinkFinderCode::NotAnArtworkPage: return "NOT_AN_ARTWORK_PAGE";
    case LinkFinderCode::NoTwitterAccountFound: return "NO_TWITTER_ACCOUNT_FOUND";
  }
  return "UNKNOWN";
}

LinkFinder::LinkFinder(std::vector<Site*> sites, LinkRequestOptions options)
    : sites_(std::move(sites)), options_(std::move(options)) {
  sites_.erase(std::remove(sites_.begin(), sites_.end(), nullptr), sites_.end());
}

Site* LinkFinder::route(std::string_view url) const {
  for (Site* site : sites_)
    if (site->owns(url)) return site;
  return nullptr;
}

LinkFinderResult LinkFinder::find(std::string_view input) const {
  LinkFinderResult result;
  // Pages and clients HTML-escape the query separators of the URLs users copy.
  std::string url;
  url.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    url += input[i];
    if (input.substr(i, 5) == "&amp;") i += 4;
  }

  if (!is_valid_url(url)) {
    result.code = LinkFinderCode::NotAnUrl;
    return result;
  }
  Site* site = route(url);
  if (!site) {
    result.code = LinkFinderCode::UnsupportedWebsite;
    return result;
  }
  result.site = std::string(site->name());

  LinkRequest request(sites_, options_);
  std::optional<Artwork> artwork = site->lookup(url, request);
  if (!artwork) {
    result.code = LinkFinderCode::NotAnArtworkPage;
    return result;
  }
  for (Account& account : artwork->accounts) {
    for (auto& c : account.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (account.name.empty() || is_reserved_account_name(account.name)) continue;
    if (!request.platform_enabled(account.platform)) continue;
    if (std::find(result.accounts.begin(), result.accounts.end(), account) != result.accounts.end()) continue;
    result.accounts.push_back(std::move(account));
  }
  if (result.accounts.empty()) {
    result.code = LinkFinderCode::NoTwitterAccountFound;
    return result;
  }
  result.image_urls = std::move(artwork->image_urls);
  result.published = artwork->published;
  return result;
}

}  // namespace aotf
