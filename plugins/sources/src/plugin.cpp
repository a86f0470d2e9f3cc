// The sources plugin: social platforms whose posts aotfd indexes (X and Bluesky).
#include <aotf/plugin.hpp>

#include "registration.hpp"

namespace {
void register_plugin(aotf::Registry& registry) { aotf::sources::register_sources(registry); }
}  // namespace

AOTF_PLUGIN("sources", "1.0.0", register_plugin)
