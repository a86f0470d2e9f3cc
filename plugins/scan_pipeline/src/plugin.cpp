// The scan pipeline plugin: steps A and B list the posts of scanned accounts, step C indexes
// them, and the `scan` console command launches scans.
#include <aotf/plugin.hpp>

#include "settings.hpp"
#include "stages.hpp"

namespace {

void register_plugin(aotf::Registry& registry) {
  aotf::scan::declare_config_keys(registry);
  registry.add_stage({"stepA_list_search", "lists the posts of scanned accounts with the platform's search (step A)",
                      [](aotf::StageContext& ctx) { aotf::scan::run_listing_stage(ctx, aotf::shm::Listing::Search); }});
  registry.add_stage({"stepB_list_timeline", "lists the posts of scanned accounts from their timeline (step B)",
                      [](aotf::StageContext& ctx) { aotf::scan::run_listing_stage(ctx, aotf::shm::Listing::Timeline); }});
  registry.add_stage({"stepC_index_posts",
                      "downloads, fingerprints and stores the images of listed posts, then saves the cursors (step C)",
                      &aotf::scan::run_indexing_stage});
  registry.add_command(aotf::scan::scan_command());
}

}  // namespace

AOTF_PLUGIN("scan_pipeline", "1.0.0", register_plugin)
