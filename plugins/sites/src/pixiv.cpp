#include "pixiv.hpp"

#include <charconv>
#include <regex>

#include <aotf/connectors/html.hpp>

namespace aotf::sites {

namespace {

constexpr auto icase = std::regex::ECMAScript | std::regex::icase;
const std::regex kDomain(R"(^(?:https?://)?(?:www\.)?pixiv\.net(?:/|$))", icase);
const std::regex kArtwork(R"(^(?:https?://)?(?:www\.)?pixiv\.net/(?:en/)?artworks/(\d+)(?:[/?#]|$))", icase);
const std::regex kMemberIllust(
    R"(^(?:https?://)?(?:www\.)?pixiv\.net/member_illust\.php\?(?:[^#]*&)?illust_id=(\d+)(?:[&#]|$))", icase);

void push_unique(std::vector<std::string>& urls, std::string url) {
  if (!url.empty() && std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
}

}  // namespace

std::optional<PixivArtworkUrl> parse_pixiv_artwork_url(std::string_view url) {
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(url.begin(), url.end(), m, kArtwork) && !std::regex_search(url.begin(), url.end(), m, kMemberIllust))
    return std::nullopt;
  PixivArtworkUrl parsed{m[1].str(), 1};
  if (const auto hash = url.find('#'); hash != std::string_view::npos) {
    const std::string_view fragment = url.substr(hash + 1);
    int n = 0;
    const auto [end, error] = std::from_chars(fragment.data(), fragment.data() + fragment.size(), n);
    if (error == std::errc() && end == fragment.data() + fragment.size() && n >= 1 && n <= 200) parsed.image = n;
  }
  return parsed;
}

bool Pixiv::owns(std::string_view url) const { return std::regex_search(url.begin(), url.end(), kDomain); }

std::optional<Artwork> Pixiv::lookup(std::string_view url, LinkRequest& request) {
  const auto artwork_url = parse_pixiv_artwork_url(url);
  if (!artwork_url) return std::nullopt;
  const std::string& id = artwork_url->id;
  const std::string page = env_.pixiv_base + "/en/artworks/" + id;
  const http::Response answer = env_.get(page, request);
  if (answer.status == 404) return std::nullopt;
  if (answer.status != 200)
    throw SiteError("Pixiv", "artwork page " + page + " answered status " + std::to_string(answer.status));
  const html::Document document(answer.body);
  const html::Node meta = document.find("meta#meta-preload-data");
  if (!meta) throw LayoutError("Pixiv", "meta#meta-preload-data", page);
  const JsonFields fields("Pixiv", page);
  const nlohmann::json data = fields.parse(meta.attr("content").value_or(""), "the content of meta#meta-preload-data");
  const std::string illust_path = "illust." + id + ".";
  (void)fields.at(data, "illust." + id);

  Artwork artwork;
  const nlohmann::json& user_id = fields.at(data, illust_path + "userId");
  const std::string user = user_id.is_string() ? user_id.get<std::string>() : user_id.dump();
  artwork.accounts = env_.multiplexer->follow("https://www.pixiv.net/en/users/" + user, LinkSource::Page, request);
  if (artwork.accounts.empty()) return artwork;

  const nlohmann::json& page_count = fields.at(data, illust_path + "pageCount");
  if (!page_count.is_number_integer()) fields.missing("illust." + id + ".pageCount (an integer)");
  const int n = artwork_url->image;
  if (n >= 2 && n <= page_count.get<int>()) {
    const std::string pages_url = env_.pixiv_base + "/ajax/illust/" + id + "/pages";
    const http::Response pages_answer = env_.get(pages_url, request);
    if (pages_answer.status != 200)
      throw SiteError("Pixiv", pages_url + " answered status " + std::to_string(pages_answer.status));
    const JsonFields page_fields("Pixiv", pages_url);
    const nlohmann::json pages = page_fields.parse(pages_answer.body, "the pages answer");
    const std::string entry = "body." + std::to_string(n - 1) + ".urls.";
    push_unique(artwork.image_urls, page_fields.string_at(pages, entry + "original"));
    push_unique(artwork.image_urls, page_fields.string_at(pages, entry + "regular"));
  } else {
    push_unique(artwork.image_urls, fields.string_at(data, illust_path + "urls.original"));
    push_unique(artwork.image_urls, fields.string_at(data, illust_path + "urls.regular"));
  }
  const std::string created = fields.string_at(data, illust_path + "createDate");
  artwork.published = parse_timestamp(created);
  if (!artwork.published) fields.missing("illust." + id + ".createDate (a date, got \"" + created + "\")");
  return artwork;
}

std::optional<std::vector<std::pair<std::string, std::string>>> Pixiv::image_headers(std::string_view image_url) const {
  const std::string_view base = env_.pixiv_image_base;
  if (!image_url.starts_with(base) || (image_url.size() > base.size() && image_url[base.size()] != '/')) {
    return std::nullopt;
  }
  return std::vector<std::pair<std::string, std::string>>{{"Referer", env_.pixiv_base + "/"}};
}

}  // namespace aotf::sites
