#pragma once
// What every connector of the sites plugin shares: the keys of [plugins.sites], the HTTP client
// they build, the retry policy and the link multiplexer pointed at the configured bases.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <aotf/config.hpp>
#include <aotf/connectors/link_multiplexer.hpp>
#include <aotf/http/client.hpp>

namespace aotf::sites {

// The keys the plugin declares, with their defaults (the real services).
[[nodiscard]] std::vector<ConfigKey> config_keys();

struct SiteEnvironment {
  // Reads and checks the plugin's keys; throws ConfigError naming the key on a bad base URL or
  // a wait range whose minimum is above its maximum.
  explicit SiteEnvironment(const ConfigView& config);

  std::unique_ptr<http::Client> client;
  http::RetryPolicy retry;           // statuses retried: none (each site adds its own)
  std::chrono::milliseconds bad_json_wait{3000};
  std::string deviantart_base, deviantart_backend, pixiv_base, pixiv_image_base, danbooru_base, derpibooru_base, furbooru_base;
  std::unique_ptr<LinkMultiplexer> multiplexer;

  // GET with the retry budget; `retry_statuses` are retried (DeviantArt: 403).
  [[nodiscard]] http::Response get(const std::string& url, LinkRequest& request,
                                   std::vector<int> retry_statuses = {}) const;
};

// Reads fields of a JSON answer; a missing field or one of the wrong type is a LayoutError naming
// the site, the field path and the URL.
class JsonFields {
public:
  JsonFields(std::string site, std::string where) : site_(std::move(site)), where_(std::move(where)) {}

  // Parses `text`; not JSON is a LayoutError ("<what> (valid JSON)").
  [[nodiscard]] nlohmann::json parse(const std::string& text, std::string_view what) const;
  // The member `path` ("illust.123.urls") of `root`, which must exist and not be null.
  [[nodiscard]] const nlohmann::json& at(const nlohmann::json& root, std::string_view path) const;
  [[nodiscard]] std::string string_at(const nlohmann::json& root, std::string_view path) const;
  // The member, or nullptr when it is absent or null.
  [[nodiscard]] static const nlohmann::json* find(const nlohmann::json& root, std::string_view path);
  [[noreturn]] void missing(std::string_view what) const;

private:
  std::string site_;
  std::string where_;
};

// "https://host/x" for `url` written with or without a scheme.
[[nodiscard]] std::string with_scheme(std::string_view url);
// The path, query and fragment of `url` ("/a/b?c"), "/" when there is none.
[[nodiscard]] std::string path_of(std::string_view url);

}  // namespace aotf::sites
