#pragma once
// The console commands query, search and stats (reference 12).
#include <aotf/console.hpp>

namespace aotf::user_pipeline {

[[nodiscard]] ConsoleCommand query_command();
[[nodiscard]] ConsoleCommand search_command();
[[nodiscard]] ConsoleCommand stats_command();

}  // namespace aotf::user_pipeline
