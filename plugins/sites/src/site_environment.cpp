#include "site_environment.hpp"

#include <aotf/connectors/site.hpp>

namespace aotf::sites {

namespace {

using nlohmann::json;

constexpr std::int64_t kHour = 3'600'000;

std::string base_url(const ConfigView& config, const std::string& key) {
  std::string value = config.string(key);
  if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
    throw ConfigError("[plugins.sites] " + key + " must start with http:// or https://, got \"" + value + "\"");
  while (!value.empty() && value.back() == '/') value.pop_back();
  return value;
}

std::chrono::milliseconds ms(const ConfigView& config, const std::string& key) {
  return std::chrono::milliseconds(config.integer(key));
}

void check_range(const ConfigView& config, const std::string& min_key, const std::string& max_key) {
  if (config.integer(min_key) > config.integer(max_key))
    throw ConfigError("[plugins.sites] " + min_key + " (" + std::to_string(config.integer(min_key)) +
                      ") is above " + max_key + " (" + std::to_string(config.integer(max_key)) + ")");
}

}  // namespace

std::vector<ConfigKey> config_keys() {
  return {
      ConfigKey::string("user_agent", std::string(http::kDefaultUserAgent), "User-Agent sent to the art sites and the pages their artists link to."),
      ConfigKey::integer("connect_timeout_ms", 10'000, 1, kHour, "Connect timeout of every request to an art site, milliseconds."),
      ConfigKey::integer("read_timeout_ms", 60'000, 1, kHour, "Longest wait for an answer, or for more of its body, milliseconds."),
      ConfigKey::integer("max_body_bytes", 20'971'520, 1024, 1'073'741'824, "Largest page or API answer read, bytes."),
      ConfigKey::string("proxy", "", "HTTP proxy, \"http://host:port\"; empty: direct."),
      ConfigKey::integer("retry.budget", 5, 1, 100, "Retry budget of one fetch: a retried status or a dropped connection costs 1, another failure 2."),
      ConfigKey::integer("retry.status_wait_min_ms", 30'000, 0, kHour, "Shortest wait after a retried status (DeviantArt 403), milliseconds."),
      ConfigKey::integer("retry.status_wait_max_ms", 60'000, 0, kHour, "Longest wait after a retried status, milliseconds."),
      ConfigKey::integer("retry.error_wait_min_ms", 5'000, 0, kHour, "Shortest wait after a failed request, milliseconds."),
      ConfigKey::integer("retry.error_wait_max_ms", 15'000, 0, kHour, "Longest wait after a failed request, milliseconds."),
      ConfigKey::integer("booru_bad_json_wait_ms", 3'000, 0, kHour,
                         "Wait before asking Derpibooru or Furbooru again after an answer that is not JSON, milliseconds."),
      ConfigKey::string("deviantart.base_url", "https://www.deviantart.com", "Base URL of DeviantArt artwork and profile pages."),
      ConfigKey::string("deviantart.backend_url", "https://backend.deviantart.com", "Base URL of the DeviantArt oEmbed endpoint."),
      ConfigKey::string("pixiv.base_url", "https://www.pixiv.net", "Base URL of Pixiv pages and its ajax API."),
      ConfigKey::string("pixiv.image_base_url", "https://i.pximg.net",
                        "Base URL of Pixiv's image host: downloads from it send Referer: <pixiv.base_url>/."),
      ConfigKey::string("danbooru.base_url", "https://danbooru.donmai.us", "Base URL of Danbooru."),
      ConfigKey::string("derpibooru.base_url", "https://derpibooru.org", "Base URL of Derpibooru."),
      ConfigKey::string("furbooru.base_url", "https://furbooru.org", "Base URL of Furbooru."),
      ConfigKey::string("linktree.base_url", "https://linktr.ee", "Base URL of Linktree pages and its sensitive-content gate."),
      ConfigKey::string("patreon.base_url", "https://www.patreon.com", "Base URL of Patreon pages."),
      ConfigKey::string("carrd.base_url", "",
                        "Empty: Carrd pages are fetched from their own host; else as <base_url>/<host>/."),
  };
}

SiteEnvironment::SiteEnvironment(const ConfigView& config) {
  check_range(config, "retry.status_wait_min_ms", "retry.status_wait_max_ms");
  check_range(config, "retry.error_wait_min_ms", "retry.error_wait_max_ms");
  http::ClientOptions options;
  options.connect_timeout = ms(config, "connect_timeout_ms");
  options.read_timeout = ms(config, "read_timeout_ms");
  options.max_body_bytes = static_cast<std::size_t>(config.integer("max_body_bytes"));
  options.user_agent = config.string("user_agent");
  options.proxy = config.string("proxy");
  client = std::make_unique<http::Client>(options);

  retry.budget = static_cast<int>(config.integer("retry.budget"));
  retry.status_wait_min = ms(config, "retry.status_wait_min_ms");
  retry.status_wait_max = ms(config, "retry.status_wait_max_ms");
  retry.error_wait_min = ms(config, "retry.error_wait_min_ms");
  retry.error_wait_max = ms(config, "retry.error_wait_max_ms");
  bad_json_wait = ms(config, "booru_bad_json_wait_ms");

  deviantart_base = base_url(config, "deviantart.base_url");
  deviantart_backend = base_url(config, "deviantart.backend_url");
  pixiv_base = base_url(config, "pixiv.base_url");
  pixiv_image_base = base_url(config, "pixiv.image_base_url");
  danbooru_base = base_url(config, "danbooru.base_url");
  derpibooru_base = base_url(config, "derpibooru.base_url");
  furbooru_base = base_url(config, "furbooru.base_url");

  MultiplexerOptions mux;
  mux.deviantart_base = deviantart_base;
  mux.pixiv_base = pixiv_base;
  mux.linktree_base = base_url(config, "linktree.base_url");
  mux.patreon_base = base_url(config, "patreon.base_url");
  if (!config.string("carrd.base_url").empty()) mux.carrd_base = base_url(config, "carrd.base_url");
  mux.retry = retry;
  multiplexer = std::make_unique<LinkMultiplexer>(*client, std::move(mux));
}

http::Response SiteEnvironment::get(const std::string& url, LinkRequest& request,
                                    std::vector<int> retry_statuses) const {
  http::RetryPolicy policy = retry;
  policy.retry_statuses = std::move(retry_statuses);
  policy.should_stop = request.options().should_stop;
  return client->get_with_budget(url, policy);
}

json JsonFields::parse(const std::string& text, std::string_view what) const {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) missing(std::string(what) + " (valid JSON)");
  return parsed;
}

const json* JsonFields::find(const json& root, std::string_view path) {
  const json* node = &root;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const std::string key(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (node->is_object()) {
      auto it = node->find(key);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
      const auto index = std::stoul(key);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node->is_null() ? nullptr : node;
}

const json& JsonFields::at(const json& root, std::string_view path) const {
  const json* node = find(root, path);
  if (!node) missing(path);
  return *node;
}

std::string JsonFields::string_at(const json& root, std::string_view path) const {
  const json& node = at(root, path);
  if (!node.is_string()) missing(std::string(path) + " (a string)");
  return node.get<std::string>();
}

void JsonFields::missing(std::string_view what) const { throw LayoutError(site_, std::string(what), where_); }

std::string with_scheme(std::string_view url) {
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) return std::string(url);
  return "https://" + std::string(url);
}

std::string path_of(std::string_view url) {
  const std::string full = with_scheme(url);
  const auto host_start = full.find("://") + 3;
  const auto path_start = full.find_first_of("/?#", host_start);
  if (path_start == std::string::npos) return "/";
  std::string path = full.substr(path_start);
  if (path.front() != '/') path.insert(0, "/");
  return path;
}

}  // namespace aotf::sites
