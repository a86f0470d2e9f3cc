// The maintenance plugin: housekeeping stages of the daemon (reference §6).
#include <aotf/plugin.hpp>

#include "settings.hpp"
#include "stages.hpp"

namespace {

void register_plugin(aotf::Registry& registry) {
  using namespace aotf::maintenance;
  for (auto& key : config_keys()) registry.add_config_key(std::move(key));
  registry.add_stage({"remove_finished_requests",
                      "sheds finished user and scan requests, clears the HTTP rate limiter, deletes left-over uploads",
                      &remove_finished_requests});
  registry.add_stage({"auto_update_accounts", "scans every account again once per period, spread evenly",
                      &auto_update_accounts});
  registry.add_stage({"reset_search_cursors", "relists every account's search results from scratch once per period",
                      &reset_search_cursors});
  registry.add_stage({"retry_failed_posts", "sends the posts whose indexing failed back to indexing",
                      &retry_failed_posts});
}

}  // namespace

AOTF_PLUGIN("maintenance", "1.0.0", register_plugin)
