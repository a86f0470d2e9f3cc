#include "danbooru.hpp"

#include <regex>
#include <sstream>

#include <aotf/connectors/html.hpp>

namespace aotf::sites {

namespace {

constexpr auto icase = std::regex::ECMAScript | std::regex::icase;
const std::regex kDomain(R"(^(?:https?://)?danbooru\.donmai\.us(?:/|$))", icase);
const std::regex kPost(R"(^(?:https?://)?danbooru\.donmai\.us/posts/(\d+)(?:[/?#]|$))", icase);

void push_unique(std::vector<std::string>& urls, std::string url) {
  if (!url.empty() && std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
}

}  // namespace

bool Danbooru::owns(std::string_view url) const { return std::regex_search(url.begin(), url.end(), kDomain); }

std::optional<Artwork> Danbooru::lookup(std::string_view url, LinkRequest& request) {
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(url.begin(), url.end(), m, kPost)) return std::nullopt;
  const std::string post_url = env_.danbooru_base + "/posts/" + m[1].str() + ".json";
  const http::Response answer = env_.get(post_url, request);
  if (answer.status == 404) return std::nullopt;
  if (answer.status != 200)
    throw SiteError("Danbooru", post_url + " answered status " + std::to_string(answer.status));
  const JsonFields fields("Danbooru", post_url);
  const nlohmann::json post = fields.parse(answer.body, "the post");
  if (!post.is_object()) fields.missing("the post (an object)");
  if (auto success = post.find("success"); success != post.end() && success->is_boolean() && !success->get<bool>())
    return std::nullopt;

  Artwork artwork;
  // Each artist tag has a wiki page listing the artist's links.
  std::istringstream tags(fields.string_at(post, "tag_string_artist"));
  for (std::string tag; tags >> tag;) {
    const std::string artist_url = env_.danbooru_base + "/artists/show_or_new?name=" + http::url_encode(tag);
    const http::Response artist = env_.get(artist_url, request);
    if (artist.status == 404) continue;
    if (artist.status != 200)
      throw SiteError("Danbooru", artist_url + " answered status " + std::to_string(artist.status));
    const html::Document page(artist.body);
    const html::Node links = page.find("div#c-artists");
    if (!links) throw LayoutError("Danbooru", "div#c-artists", artist_url);
    auto found = env_.multiplexer->follow_all(links.links(), LinkSource::Page, request);
    artwork.accounts.insert(artwork.accounts.end(), found.begin(), found.end());
  }
  // Then the post's source, which may be the artist's own page (a Pixiv or DeviantArt work).
  std::string source;
  if (const nlohmann::json* pixiv_id = JsonFields::find(post, "pixiv_id"); pixiv_id && pixiv_id->is_number_integer())
    source = "https://www.pixiv.net/en/artworks/" + std::to_string(pixiv_id->get<std::int64_t>());
  else if (const nlohmann::json* s = JsonFields::find(post, "source"); s && s->is_string())
    source = s->get<std::string>();
  if (is_valid_url(source)) {
    auto found = env_.multiplexer->follow(source, LinkSource::BooruSource, request);
    artwork.accounts.insert(artwork.accounts.end(), found.begin(), found.end());
  }
  if (artwork.accounts.empty()) return artwork;

  push_unique(artwork.image_urls, fields.string_at(post, "file_url"));
  if (const nlohmann::json* large = JsonFields::find(post, "large_file_url"); large && large->is_string())
    push_unique(artwork.image_urls, large->get<std::string>());
  const std::string created = fields.string_at(post, "created_at");
  artwork.published = parse_timestamp(created);
  if (!artwork.published) fields.missing("created_at (a date, got \"" + created + "\")");
  return artwork;
}

}  // namespace aotf::sites
