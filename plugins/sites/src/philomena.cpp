#include "philomena.hpp"

#include <regex>

#include <aotf/connectors/html.hpp>

namespace aotf::sites {

namespace {

// A chain of duplicates longer than this is a loop on the booru's side.
constexpr int kMaxDuplicateHops = 8;

std::regex domain_pattern(const std::string& name) {
  return std::regex(R"(^(?:https?://)?(?:www\.)?)" + name + R"(\.org(?:/|$))", std::regex::icase);
}

std::regex image_pattern(const std::string& name) {
  return std::regex(R"(^(?:https?://)?(?:www\.)?)" + name + R"(\.org/(?:images/)?(\d+)(?:[/?#]|$))",
                    std::regex::icase);
}

void push_unique(std::vector<std::string>& urls, std::string url) {
  if (!url.empty() && std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
}

}  // namespace

Philomena::Philomena(std::string name, std::string display_name, const ConfigView& config)
    : name_(std::move(name)),
      display_name_(std::move(display_name)),
      env_(config),
      domain_(domain_pattern(name_)),
      image_(image_pattern(name_)) {
  base_ = name_ == "furbooru" ? env_.furbooru_base : env_.derpibooru_base;
}

bool Philomena::owns(std::string_view url) const { return std::regex_search(url.begin(), url.end(), domain_); }

std::optional<Artwork> Philomena::lookup(std::string_view url, LinkRequest& request) {
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(url.begin(), url.end(), m, image_)) return std::nullopt;
  return lookup_image(m[1].str(), request, 0);
}

std::optional<Artwork> Philomena::lookup_image(const std::string& id, LinkRequest& request, int duplicates_followed) {
  const std::string api_url = base_ + "/api/v1/json/images/" + id;
  const JsonFields fields(display_name_, api_url);
  nlohmann::json answer;
  // An answer that is not JSON (a maintenance page) gets one more chance after a pause.
  for (int attempt = 0;; ++attempt) {
    const http::Response response = env_.get(api_url, request);
    if (response.status == 404 || response.status == 500) return std::nullopt;
    if (response.status != 200)
      throw SiteError(display_name_, api_url + " answered status " + std::to_string(response.status));
    answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (!answer.is_discarded()) break;
    if (attempt == 1)
      throw SiteError(display_name_, api_url + " answered twice with something that is not JSON");
    if (!http::wait_for(env_.bad_json_wait, request.options().should_stop))
      throw http::HttpError(http::HttpError::Kind::Stopped, api_url, "stopped while waiting to ask again");
  }
  const nlohmann::json& image = fields.at(answer, "image");
  if (const nlohmann::json* dup = JsonFields::find(image, "duplicate_of"); dup && dup->is_number_integer()) {
    if (duplicates_followed >= kMaxDuplicateHops)
      throw SiteError(display_name_, "image " + id + " is a duplicate of a duplicate more than " +
                                         std::to_string(kMaxDuplicateHops) + " times");
    return lookup_image(std::to_string(dup->get<std::int64_t>()), request, duplicates_followed + 1);
  }

  Artwork artwork;
  const nlohmann::json& tags = fields.at(answer, "image.tags");
  if (!tags.is_array()) fields.missing("image.tags (a list)");
  for (const nlohmann::json& tag : tags) {
    if (!tag.is_string() || tag.get<std::string>().rfind("artist:", 0) != 0) continue;
    const std::string search_url = base_ + "/search?q=" + http::url_encode(tag.get<std::string>());
    const http::Response search = env_.get(search_url, request);
    if (search.status == 404) continue;
    if (search.status != 200)
      throw SiteError(display_name_, search_url + " answered status " + std::to_string(search.status));
    const html::Document page(search.body);
    const html::Node content = page.find("main#content");
    if (!content) throw LayoutError(display_name_, "main#content", search_url);
    auto found = env_.multiplexer->follow_all(content.links(), LinkSource::Page, request);
    artwork.accounts.insert(artwork.accounts.end(), found.begin(), found.end());
  }
  if (const nlohmann::json* source = JsonFields::find(image, "source_url"); source && source->is_string()) {
    const std::string link = source->get<std::string>();
    if (is_valid_url(link)) {
      auto found = env_.multiplexer->follow(link, LinkSource::BooruSource, request);
      artwork.accounts.insert(artwork.accounts.end(), found.begin(), found.end());
    }
  }
  if (artwork.accounts.empty()) return artwork;

  push_unique(artwork.image_urls, fields.string_at(answer, "image.representations.full"));
  if (const nlohmann::json* large = JsonFields::find(answer, "image.representations.large"); large && large->is_string())
    push_unique(artwork.image_urls, large->get<std::string>());
  const std::string created = fields.string_at(answer, "image.created_at");
  artwork.published = parse_timestamp(created);
  if (!artwork.published) fields.missing("image.created_at (a date, got \"" + created + "\")");
  return artwork;
}

}  // namespace aotf::sites
