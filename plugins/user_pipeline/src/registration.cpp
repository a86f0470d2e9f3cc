#include "registration.hpp"

#include "console_commands.hpp"
#include "settings.hpp"
#include "stages.hpp"

namespace aotf::user_pipeline {

void register_user_pipeline(Registry& registry) {
  for (auto& key : config_keys()) registry.add_config_key(std::move(key));
  registry.add_stage({"step1_link_finder",
                      "user requests, step 1: finds the artist's accounts on the illustration page and validates them",
                      &run_step1_link_finder});
  registry.add_stage({"step2_index_accounts",
                      "user requests, step 2: launches the scans the accounts need and waits for them",
                      &run_step2_index_accounts});
  registry.add_stage({"step3_reverse_search",
                      "user requests, step 3: compares the query image with the accounts' indexed images",
                      &run_step3_reverse_search});
  registry.add_command(query_command());
  registry.add_command(search_command());
  registry.add_command(stats_command());
}

}  // namespace aotf::user_pipeline
