#include "deviantart.hpp"

#include <regex>

#include <aotf/connectors/html.hpp>

namespace aotf::sites {

namespace {

constexpr auto icase = std::regex::ECMAScript | std::regex::icase;
const std::regex kDomain(R"(^(?:https?://)?(?:[A-Za-z0-9-]+\.)*deviantart\.com(?:/|$))", icase);
const std::regex kSubdomainArtwork(R"(^(?:https?://)?([A-Za-z0-9-]+)\.deviantart\.com(/.*)?$)", icase);

// DeviantArt answers 403 to bursts; the original waited and tried again.
const std::vector<int> kRetried{403};

void push_unique(std::vector<std::string>& urls, std::string url) {
  if (!url.empty() && std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
}

}  // namespace

bool DeviantArt::owns(std::string_view url) const { return std::regex_search(url.begin(), url.end(), kDomain); }

std::string DeviantArt::page_url(std::string_view url) const {
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_match(url.begin(), url.end(), m, kSubdomainArtwork)) {
    std::string artist = m[1].str();
    for (auto& c : artist) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (artist != "www") return env_.deviantart_base + "/" + m[1].str() + (m[2].matched ? m[2].str() : "/");
  }
  return env_.deviantart_base + path_of(url);
}

std::optional<Artwork> DeviantArt::lookup(std::string_view url, LinkRequest& request) {
  const std::string oembed_url = env_.deviantart_backend + "/oembed?url=" + http::url_encode(with_scheme(url));
  const http::Response oembed_answer = env_.get(oembed_url, request, kRetried);
  if (oembed_answer.status == 404) return std::nullopt;
  if (oembed_answer.status != 200)
    throw SiteError("DeviantArt", "oEmbed " + oembed_url + " answered status " + std::to_string(oembed_answer.status));
  const JsonFields oembed_fields("DeviantArt", oembed_url);
  const nlohmann::json oembed = oembed_fields.parse(oembed_answer.body, "the oEmbed answer");
  if (!oembed.is_object() || oembed.value("type", std::string()) != "photo") return std::nullopt;

  const std::string page = page_url(url);
  const http::Response page_answer = env_.get(page, request, kRetried);
  if (page_answer.status == 404) return std::nullopt;
  if (page_answer.status != 200)
    throw SiteError("DeviantArt", "artwork page " + page + " answered status " + std::to_string(page_answer.status));
  const html::Document document(page_answer.body);

  Artwork artwork;
  // The description and the links beside it.
  const html::Node meta = document.find("div[data-hook=deviation_meta]");
  if (!meta) throw LayoutError("DeviantArt", "div[data-hook=deviation_meta]", page);
  const html::Node description = meta.parent() ? meta.parent() : meta;
  artwork.accounts = env_.multiplexer->follow_all(description.links(), LinkSource::DeviantArtTextarea, request);
  // The artist's profile: its /about section.
  const std::string author = oembed_fields.string_at(oembed, "author_url");
  auto more = env_.multiplexer->follow(author, LinkSource::Page, request);
  artwork.accounts.insert(artwork.accounts.end(), more.begin(), more.end());
  if (artwork.accounts.empty()) return artwork;

  // Mature works hide the full image from visitors who are not logged in: the oEmbed thumbnail
  // is all there is.
  const bool mature = oembed.value("safety", std::string()) == "adult";
  if (!mature) {
    const html::Node preload = document.find("link[rel=preload][as=image]");
    if (!preload || !preload.attr("href")) throw LayoutError("DeviantArt", "link[rel=preload][as=image]", page);
    push_unique(artwork.image_urls, *preload.attr("href"));
  }
  push_unique(artwork.image_urls, oembed_fields.string_at(oembed, "url"));
  const std::string pubdate = oembed_fields.string_at(oembed, "pubdate");
  artwork.published = parse_timestamp(pubdate);
  if (!artwork.published) oembed_fields.missing("pubdate (a date, got \"" + pubdate + "\")");
  return artwork;
}

}  // namespace aotf::sites
