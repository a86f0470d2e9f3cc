// The e621 plugin: one site connector and its keys. Registration only; the behaviour is in
// e621_site.cpp.
#include <aotf/plugin.hpp>

#include "e621_site.hpp"

namespace {

void register_e621(aotf::Registry& registry) {
  for (auto& key : e621::config_keys()) registry.add_config_key(std::move(key));
  registry.add_site("e621", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<e621::E621Site>(config);
  });
}

}  // namespace

AOTF_PLUGIN("e621", "1.0.0", register_e621)
