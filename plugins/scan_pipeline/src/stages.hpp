#pragma once
// The scan pipeline's stage procedures and console command.

#include <aotf/console.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/stage.hpp>

namespace aotf::scan {

// stepA_list_search (Listing::Search) and stepB_list_timeline (Listing::Timeline).
void run_listing_stage(StageContext& ctx, shm::Listing listing);
// stepC_index_posts.
void run_indexing_stage(StageContext& ctx);
// `scan [--priority] PLATFORM:NAME`.
[[nodiscard]] ConsoleCommand scan_command();

}  // namespace aotf::scan
