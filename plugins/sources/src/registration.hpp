#pragma once
// What the sources plugin registers: the config keys under [plugins.sources] and the x and
// bluesky factories. Split from the AOTF_PLUGIN entry so tests can register without dlopen.

#include <cstdlib>
#include <functional>
#include <string>

#include "aotf/registry.hpp"
#include "bluesky_source.hpp"
#include "x_source.hpp"

namespace aotf::sources {

void register_sources(Registry& registry);

// Options from the validated keys. `getenv` reads the token variable (tests pass their own).
using EnvLookup = std::function<const char*(const char*)>;
[[nodiscard]] XOptions x_options_from(const ConfigView& config, const EnvLookup& getenv = ::getenv);
[[nodiscard]] BlueskyOptions bluesky_options_from(const ConfigView& config);

// nullptr when disabled: x.enabled = false, or no token in the environment (logged once, with
// how to enable it).
[[nodiscard]] std::unique_ptr<Source> make_x_source(const ConfigView& config, const EnvLookup& getenv = ::getenv);
[[nodiscard]] std::unique_ptr<Source> make_bluesky_source(const ConfigView& config);

}  // namespace aotf::sources
