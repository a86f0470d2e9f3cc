#include "registration.hpp"

#include "aotf/error.hpp"
#include "aotf/log.hpp"

namespace aotf::sources {

namespace {

// A base URL or proxy that cannot work is a configuration error at start, not a failed request
// hours later.
void check_url(const std::string& key, const std::string& value, bool proxy) {
  const bool http = value.rfind("http://", 0) == 0;
  const bool https = value.rfind("https://", 0) == 0;
  const std::string host = value.substr(value.find("://") == std::string::npos ? 0 : value.find("://") + 3);
  if ((!http && !(https && !proxy)) || host.empty() || host.front() == '/') {
    throw ConfigError("[plugins.sources] " + key + " = \"" + value + "\" is not " +
                      (proxy ? "an http://host:port proxy" : "an http:// or https:// base URL"));
  }
}

http::ClientOptions client_options(const ConfigView& config, const std::string& prefix) {
  http::ClientOptions o;
  o.read_timeout = std::chrono::seconds(config.integer(prefix + ".timeout_s"));
  o.connect_timeout = std::min(o.read_timeout, std::chrono::milliseconds(std::chrono::seconds(10)));
  o.proxy = config.string("proxy");
  if (!o.proxy.empty()) check_url("proxy", o.proxy, true);
  return o;
}

void upstream_options(const ConfigView& config, const std::string& prefix, UpstreamOptions& o) {
  o.http = client_options(config, prefix);
  o.max_rate_limit_wait = std::chrono::seconds(config.integer(prefix + ".max_rate_limit_wait_s"));
  o.retry_wait = std::chrono::milliseconds(config.integer(prefix + ".retry_wait_ms"));
}

}  // namespace

void register_sources(Registry& registry) {
  using K = ConfigKey;
  registry.add_config_key(K::string("proxy", "", "HTTP proxy for both platforms, \"http://host:port\"; empty: direct."));

  registry.add_config_key(K::boolean("x.enabled", true, "index X accounts (needs a bearer token, see x.token_env)."));
  registry.add_config_key(K::string("x.api_base_url", "https://api.x.com", "base URL of the X API v2."));
  registry.add_config_key(K::string("x.token_env", "AOTF_X_BEARER_TOKEN",
                                    "environment variable holding the X API bearer token (never put it in the file)."));
  registry.add_config_key(K::choice("x.search", "recent", {"recent", "all"},
                                    "step A endpoint: /2/tweets/search/recent (7 days) or /all (full archive, paid access)."));
  registry.add_config_key(K::integer("x.timeout_s", 60, 1, 600, "read timeout of one X API request, seconds."));
  registry.add_config_key(K::integer("x.max_rate_limit_wait_s", 900, 0, 86400,
                                     "longest wait for an X rate-limit reset; a later reset fails the listing."));
  registry.add_config_key(K::integer("x.retry_wait_ms", 10000, 0, 600000, "pause before retrying after an X 5xx answer."));

  registry.add_config_key(K::boolean("bluesky.enabled", true, "index Bluesky accounts (public AppView, no credentials)."));
  registry.add_config_key(K::string("bluesky.appview_base_url", "https://public.api.bsky.app", "base URL of the Bluesky AppView."));
  registry.add_config_key(K::integer("bluesky.timeout_s", 60, 1, 600, "read timeout of one AppView request, seconds."));
  registry.add_config_key(K::integer("bluesky.max_rate_limit_wait_s", 300, 0, 86400,
                                     "longest wait for an AppView rate-limit reset; a later reset fails the listing."));
  registry.add_config_key(K::integer("bluesky.retry_wait_ms", 10000, 0, 600000, "pause before retrying after an AppView 5xx answer."));

  // Factories may throw ConfigError for a base URL or proxy that cannot work.
  registry.add_source("x", [](const ConfigView& config) { return make_x_source(config); });
  registry.add_source("bluesky", [](const ConfigView& config) { return make_bluesky_source(config); });
}

XOptions x_options_from(const ConfigView& config, const EnvLookup& getenv) {
  XOptions o;
  o.api_base_url = config.string("x.api_base_url");
  check_url("x.api_base_url", o.api_base_url, false);
  o.token_env = config.string("x.token_env");
  if (const char* token = getenv(o.token_env.c_str()); token != nullptr) o.bearer_token = token;
  o.search_all = config.string("x.search") == "all";
  o.upstream = x_upstream_defaults();
  upstream_options(config, "x", o.upstream);
  return o;
}

BlueskyOptions bluesky_options_from(const ConfigView& config) {
  BlueskyOptions o;
  o.appview_base_url = config.string("bluesky.appview_base_url");
  check_url("bluesky.appview_base_url", o.appview_base_url, false);
  o.upstream = bluesky_upstream_defaults();
  upstream_options(config, "bluesky", o.upstream);
  return o;
}

std::unique_ptr<Source> make_x_source(const ConfigView& config, const EnvLookup& getenv) {
  if (!config.boolean("x.enabled")) {
    log_info("sources", "X source disabled by x.enabled = false");
    return nullptr;
  }
  XOptions options = x_options_from(config, getenv);
  if (options.bearer_token.empty()) {
    log_warning("sources", "X source disabled: no bearer token; set " + options.token_env +
                               " in aotfd's environment to an X API v2 app bearer token to enable it");
    return nullptr;
  }
  return std::make_unique<XSource>(std::move(options));
}

std::unique_ptr<Source> make_bluesky_source(const ConfigView& config) {
  if (!config.boolean("bluesky.enabled")) {
    log_info("sources", "Bluesky source disabled by bluesky.enabled = false");
    return nullptr;
  }
  return std::make_unique<BlueskySource>(bluesky_options_from(config));
}

}  // namespace aotf::sources
