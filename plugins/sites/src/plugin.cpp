// The sites plugin: registers the five art-site connectors and the keys of [plugins.sites].
#include <aotf/plugin.hpp>

#include "danbooru.hpp"
#include "deviantart.hpp"
#include "philomena.hpp"
#include "pixiv.hpp"
#include "site_environment.hpp"

namespace {

void register_sites(aotf::Registry& registry) {
  for (auto& key : aotf::sites::config_keys()) registry.add_config_key(std::move(key));
  registry.add_site("deviantart", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<aotf::sites::DeviantArt>(config);
  });
  registry.add_site("pixiv", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<aotf::sites::Pixiv>(config);
  });
  registry.add_site("danbooru", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<aotf::sites::Danbooru>(config);
  });
  registry.add_site("derpibooru", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<aotf::sites::Philomena>("derpibooru", "Derpibooru", config);
  });
  registry.add_site("furbooru", [](const aotf::ConfigView& config) -> std::unique_ptr<aotf::Site> {
    return std::make_unique<aotf::sites::Philomena>("furbooru", "Furbooru", config);
  });
}

}  // namespace

AOTF_PLUGIN("sites", "1.0.0", register_sites)
