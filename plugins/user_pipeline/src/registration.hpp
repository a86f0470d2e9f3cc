#pragma once
#include <aotf/registry.hpp>

namespace aotf::user_pipeline {

// Registers the three stages, the query/search/stats commands and the [plugins.user_pipeline] keys.
void register_user_pipeline(Registry& registry);

}  // namespace aotf::user_pipeline
