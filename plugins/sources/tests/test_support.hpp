#pragma once
// Shared set-up for the source tests: loopback API + image host, sources pointed at them with
// millisecond waits.

#include <chrono>
#include <string>

#include "registration.hpp"

namespace aotf::sources::testing {

// The plugin's validated keys with their defaults, `overrides` applied.
[[nodiscard]] ConfigView config_with(const std::map<std::string, ConfigValue>& overrides);

[[nodiscard]] UpstreamOptions fast_upstream(UpstreamOptions base);

}  // namespace aotf::sources::testing
