// The user_pipeline plugin: steps 1-3 of a user request and the query, search and stats commands.
#include <aotf/plugin.hpp>

#include "registration.hpp"

namespace {
void register_plugin(aotf::Registry& registry) { aotf::user_pipeline::register_user_pipeline(registry); }
}  // namespace

AOTF_PLUGIN("user_pipeline", "1.0.0", register_plugin)
