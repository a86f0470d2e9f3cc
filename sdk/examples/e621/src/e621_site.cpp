#include "e621_site.hpp"

#include <regex>

#include <nlohmann/json.hpp>

#include <aotf/error.hpp>

namespace e621 {

namespace {

using nlohmann::json;

constexpr auto icase = std::regex::ECMAScript | std::regex::icase;
const std::regex kDomain(R"(^(?:https?://)?(?:www\.)?e(?:621|926)\.net(?:/|$))", icase);
const std::regex kPost(R"(^(?:https?://)?(?:www\.)?e(?:621|926)\.net/(?:posts|post/show)/(\d+)(?:[/?#]|$))", icase);

// A field that must be there: its absence means e621 changed its answer, which the pipeline
// reports as PROCESSING_ERROR with this message.
const json& field(const json& parent, const char* key, const std::string& path, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) throw aotf::LayoutError("e621", path, where);
  return *it;
}

}  // namespace

std::vector<aotf::ConfigKey> config_keys() {
  return {
      aotf::ConfigKey::string("base_url", "https://e621.net", "Base URL of the e621 API (posts/<id>.json)."),
      // e621 refuses clients that do not say who they are.
      aotf::ConfigKey::string("user_agent", "aotfd-e621/1.0 (an aotfd plugin)",
                              "User-Agent of every request to e621; e621 asks for one that names the project."),
      aotf::ConfigKey::integer("connect_timeout_ms", 10'000, 1, 3'600'000, "Connect timeout, milliseconds."),
      aotf::ConfigKey::integer("read_timeout_ms", 60'000, 1, 3'600'000, "Longest wait for an answer, milliseconds."),
      aotf::ConfigKey::integer("retry.budget", 3, 1, 100, "Retry budget of one fetch (a dropped connection costs 1)."),
  };
}

E621Site::E621Site(const aotf::ConfigView& config) : base_url_(config.string("base_url")) {
  if (base_url_.rfind("http://", 0) != 0 && base_url_.rfind("https://", 0) != 0)
    throw aotf::ConfigError("[plugins.e621] base_url must start with http:// or https://, got \"" + base_url_ + "\"");
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();

  aotf::http::ClientOptions options;
  options.user_agent = config.string("user_agent");
  options.connect_timeout = std::chrono::milliseconds(config.integer("connect_timeout_ms"));
  options.read_timeout = std::chrono::milliseconds(config.integer("read_timeout_ms"));
  options.min_interval_per_host = std::chrono::milliseconds(500);  // e621 allows 2 requests a second
  client_ = std::make_unique<aotf::http::Client>(options);
  retry_.budget = static_cast<int>(config.integer("retry.budget"));
  // The multiplexer turns a source link into accounts (an X or Bluesky profile or post, a
  // Linktree, ...). Its own bases are the real services; a source that is a Pixiv or DeviantArt
  // artwork is handed to the sites plugin, which has its own configured bases.
  aotf::MultiplexerOptions mux;
  mux.retry = retry_;
  multiplexer_ = std::make_unique<aotf::LinkMultiplexer>(*client_, mux);
}

bool E621Site::owns(std::string_view url) const { return std::regex_search(url.begin(), url.end(), kDomain); }

std::optional<aotf::Artwork> E621Site::lookup(std::string_view url, aotf::LinkRequest& request) {
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(url.begin(), url.end(), m, kPost)) return std::nullopt;  // a tag search, a wiki page...
  const std::string api_url = base_url_ + "/posts/" + m[1].str() + ".json";

  aotf::http::RetryPolicy policy = retry_;
  policy.should_stop = request.options().should_stop;  // a stopping daemon ends the retry waits
  const aotf::http::Response answer = client_->get_with_budget(api_url, policy);
  if (answer.status == 404) return std::nullopt;
  if (answer.status != 200) throw aotf::SiteError("e621", api_url + " answered status " + std::to_string(answer.status));

  const json body = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) throw aotf::LayoutError("e621", "the post (a JSON object)", api_url);
  const json& post = field(body, "post", "post", api_url);

  aotf::Artwork artwork;
  // The sources: usually the artist's own post or gallery page.
  const json& sources = field(post, "sources", "post.sources", api_url);
  if (!sources.is_array()) throw aotf::LayoutError("e621", "post.sources (an array)", api_url);
  std::vector<std::string> links;
  for (const json& source : sources) {
    if (source.is_string()) links.push_back(source.get<std::string>());
  }
  for (const std::string& link : links) {
    if (!aotf::is_valid_url(link)) continue;
    auto found = multiplexer_->follow(link, aotf::LinkSource::BooruSource, request);
    artwork.accounts.insert(artwork.accounts.end(), found.begin(), found.end());
  }
  // Like the other sites: no account, no need for the images.
  if (artwork.accounts.empty()) return artwork;
  // file.url is null for posts e621 shows only to logged-in users; the sample comes second.
  const json& file = field(post, "file", "post.file", api_url);
  if (auto it = file.find("url"); it != file.end() && it->is_string()) artwork.image_urls.push_back(it->get<std::string>());
  if (auto sample = post.find("sample"); sample != post.end() && sample->is_object()) {
    if (auto it = sample->find("url"); it != sample->end() && it->is_string() && it->get<std::string>() != "" &&
                                       (artwork.image_urls.empty() || artwork.image_urls[0] != it->get<std::string>()))
      artwork.image_urls.push_back(it->get<std::string>());
  }
  if (artwork.image_urls.empty()) throw aotf::LayoutError("e621", "post.file.url (the image; is the post hidden?)", api_url);
  const std::string created = field(post, "created_at", "post.created_at", api_url).get<std::string>();
  artwork.published = aotf::parse_timestamp(created);
  if (!artwork.published) throw aotf::LayoutError("e621", "post.created_at (a date, got \"" + created + "\")", api_url);
  return artwork;
}

}  // namespace e621
