#pragma once
// The http_server stage: the original's HTTP API on cpp-httplib (reference 11), plus /health,
// /metrics and the web page under /app/. plugins/http_api/README.md lists the endpoints.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <aotf/config.hpp>
#include <aotf/stage.hpp>

namespace aotf::http_api {

struct Settings {
  std::string listen_address = "127.0.0.1";
  int port = 3301;  // 0: the kernel picks one; it is written to <data_dir>/http_port either way
  int threads = 8;
  std::vector<std::string> trusted_proxies{"127.0.0.1", "::1"};
  std::uint32_t limit_per_ip_address = 10;
  std::vector<std::string> unlimited_ip_addresses{"127.0.0.1"};
  std::vector<std::string> advanced_ip_addresses{"127.0.0.1"};
  std::int64_t rate_limit_interval_ms = 1000;
  std::size_t max_url_length = 256;            // characters of an illustration URL
  std::size_t max_body_bytes = 20u << 20;      // largest image POST /search accepts
  int stats_cache_s = 3;
  std::int64_t update_accounts_frequency_days = 30;  // shown by /config; 0 shows null
  int read_timeout_s = 5;
  int keep_alive_max_count = 100;
  std::filesystem::path web_root;              // resolved folder of the web page
};

// Reads the validated keys of [plugins.http_api]; `default_web_root` is used when web_root is "".
[[nodiscard]] Settings settings_from(const ConfigView& config, const std::filesystem::path& default_web_root);

// The stage procedure: binds, reports ready, serves until the daemon stops. A failure to bind
// throws aotf::Error naming the address, the port and the key to change.
void serve(StageContext& ctx, const Settings& settings);

// <data_dir>/http_port: the port the server listens on, one decimal line.
[[nodiscard]] std::filesystem::path port_file(const std::filesystem::path& data_dir);

}  // namespace aotf::http_api
