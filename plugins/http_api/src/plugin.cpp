// The http_api plugin: registers the http_server stage and the keys of [plugins.http_api].
#include <dlfcn.h>

#include <filesystem>

#include <aotf/plugin.hpp>

#include "http_api.hpp"

namespace {

namespace fs = std::filesystem;

// <folder of this plugin file>/<AOTF_WEB_FROM_PLUGIN_DIR>: share/aotfd/web next to lib/aotfd/plugins
// in the build tree and in an installed prefix alike.
fs::path default_web_root() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&default_web_root), &info) == 0 || !info.dli_fname) return {};
  std::error_code ec;
  fs::path file = fs::weakly_canonical(info.dli_fname, ec);  // a symlinked plugin finds its real folder
  if (ec) file = info.dli_fname;
  return (file.parent_path() / AOTF_WEB_FROM_PLUGIN_DIR).lexically_normal();
}

void http_server(aotf::StageContext& ctx) {
  const auto settings = aotf::http_api::settings_from(ctx.config(), default_web_root());
  aotf::http_api::serve(ctx, settings);
}

void register_http_api(aotf::Registry& registry) {
  using aotf::ConfigKey;
  registry.add_config_key(ConfigKey::string("listen_address", "127.0.0.1",
                                            "Address the HTTP API listens on: \"0.0.0.0\" or \"::\" for every interface."));
  registry.add_config_key(ConfigKey::integer(
      "port", 3301, 0, 65535,
      "TCP port of the HTTP API; 0 lets the kernel choose. The port in use is written to <data_dir>/http_port."));
  registry.add_config_key(ConfigKey::integer("threads", 8, 1, 1024,
                                             "Connections served at once (the server's worker threads)."));
  registry.add_config_key(ConfigKey::strings(
      "trusted_proxies", {"127.0.0.1", "::1"},
      "Peers whose X-Forwarded-For header is believed: the client is the right-most address in it that is not one "
      "of these."));
  registry.add_config_key(ConfigKey::integer("limit_per_ip_address", 10, 1, 1000000,
                                             "Unfinished requests one address may have at once."));
  registry.add_config_key(ConfigKey::strings("unlimited_ip_addresses", {"127.0.0.1"},
                                             "Addresses the per-address limit of unfinished requests does not apply to."));
  registry.add_config_key(ConfigKey::strings("advanced_ip_addresses", {"127.0.0.1"},
                                             "Addresses allowed to use /search (image upload and whole-database search)."));
  registry.add_config_key(ConfigKey::integer("rate_limit_interval_ms", 1000, 0, 3600000,
                                             "Milliseconds an address waits between two accepted requests; 0 turns "
                                             "the rate limit off."));
  registry.add_config_key(ConfigKey::integer("max_url_length", 256, 1, 1024,
                                             "Longest illustration URL /query accepts, in characters (a POST body may "
                                             "hold 4 bytes per character)."));
  registry.add_config_key(ConfigKey::integer("max_body_bytes", 20971520, 1024, 1073741824,
                                             "Largest image POST /search accepts, in bytes."));
  registry.add_config_key(ConfigKey::integer("stats_cache_s", 3, 0, 3600, "Seconds /stats answers from its cache."));
  registry.add_config_key(ConfigKey::integer("update_accounts_frequency_days", 30, 0, 3650,
                                             "Days between two updates of an account, as /config shows it (keep it "
                                             "equal to the maintenance plugin's); 0 shows null."));
  registry.add_config_key(ConfigKey::integer("read_timeout_s", 5, 1, 300,
                                             "Seconds the server waits for each read or write of a client, and for "
                                             "the next request of a kept-alive connection."));
  registry.add_config_key(ConfigKey::integer("keep_alive_max_count", 100, 1, 100000,
                                             "Requests served on one kept-alive connection before it is closed."));
  registry.add_config_key(ConfigKey::string("web_root", "",
                                            "Folder of the web page served under /app/. Empty: share/aotfd/web of "
                                            "the installation (or of the build tree)."));
  registry.add_stage({"http_server", "serves the HTTP API, /health, /metrics and the web page under /app/",
                      &http_server, /*reports_ready=*/true});
}

}  // namespace

AOTF_PLUGIN("http_api", "1.0.0", register_http_api)
