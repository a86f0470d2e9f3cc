#include "test_support.hpp"

namespace aotf::sources::testing {

ConfigView config_with(const std::map<std::string, ConfigValue>& overrides) {
  Registry registry;
  register_sources(registry);
  std::map<std::string, ConfigValue> values;
  for (const auto& key : registry.config_keys()) values[key.name] = *key.default_value;
  for (const auto& [k, v] : overrides) values[k] = v;
  return ConfigView("sources", values);
}

UpstreamOptions fast_upstream(UpstreamOptions base) {
  base.http.connect_timeout = std::chrono::seconds(1);
  base.http.read_timeout = std::chrono::seconds(2);
  base.retry_wait = std::chrono::milliseconds(5);
  base.max_rate_limit_wait = std::chrono::seconds(5);
  return base;
}

}  // namespace aotf::sources::testing
