// The built sites.so: what it registers, its keys, and the errors of a bad configuration.
#include <boost/dll/shared_library.hpp>

#include <aotf/plugin.hpp>

#include "sites_test_support.hpp"

namespace aotf::sites::testing {
namespace {

class SitesPlugin : public ::testing::Test {
protected:
  SitesPlugin() : library(AOTF_SITES_PLUGIN_FILE, boost::dll::load_mode::rtld_now) {
    const auto entry = library.get_alias<PluginEntry>(kPluginEntrySymbol);
    descriptor = entry();
    descriptor->register_plugin(registry);
  }
  ~SitesPlugin() override { registry.clear(); }

  ConfigView config_with(const std::map<std::string, ConfigValue>& overrides) const {
    std::map<std::string, ConfigValue> values;
    for (const auto& key : registry.config_keys()) values[key.name] = *key.default_value;
    for (const auto& [k, v] : overrides) values[k] = v;
    return ConfigView("sites", values);
  }

  boost::dll::shared_library library;
  const PluginDescriptor* descriptor = nullptr;
  Registry registry;
};

TEST_F(SitesPlugin, RegistersTheFiveSites) {
  EXPECT_EQ(descriptor->abi_version, kPluginAbiVersion);
  EXPECT_STREQ(descriptor->name, "sites");
  std::vector<std::string> names;
  for (const auto& site : registry.sites()) names.push_back(site.name);
  EXPECT_EQ(names, (std::vector<std::string>{"deviantart", "pixiv", "danbooru", "derpibooru", "furbooru"}));
  // Each connector owns its real domains with the default configuration.
  const ConfigView config = config_with({});
  const std::vector<std::string> urls{"https://www.deviantart.com/a/art/b-1", "https://www.pixiv.net/en/artworks/1",
                                      "https://danbooru.donmai.us/posts/1", "https://derpibooru.org/1",
                                      "https://furbooru.org/images/1"};
  for (std::size_t i = 0; i < registry.sites().size(); ++i) {
    auto site = registry.sites()[i].make(config);
    EXPECT_EQ(site->name(), names[i]);
    for (std::size_t j = 0; j < urls.size(); ++j) EXPECT_EQ(site->owns(urls[j]), i == j) << names[i] << " " << urls[j];
  }
}

TEST_F(SitesPlugin, EveryBaseUrlIsAKeyWithTheRealServiceAsDefault) {
  std::map<std::string, std::string> defaults;
  for (const auto& key : registry.config_keys())
    if (key.name.ends_with("_url")) defaults[key.name] = std::get<std::string>(*key.default_value);
  EXPECT_EQ(defaults, (std::map<std::string, std::string>{{"carrd.base_url", ""},
                                                          {"danbooru.base_url", "https://danbooru.donmai.us"},
                                                          {"derpibooru.base_url", "https://derpibooru.org"},
                                                          {"deviantart.backend_url", "https://backend.deviantart.com"},
                                                          {"deviantart.base_url", "https://www.deviantart.com"},
                                                          {"furbooru.base_url", "https://furbooru.org"},
                                                          {"linktree.base_url", "https://linktr.ee"},
                                                          {"patreon.base_url", "https://www.patreon.com"},
                                                          {"pixiv.base_url", "https://www.pixiv.net"},
                                                          {"pixiv.image_base_url", "https://i.pximg.net"}}));
}

TEST_F(SitesPlugin, BadValuesAreRefusedNamingTheKey) {
  try {
    (void)registry.sites()[0].make(config_with({{"pixiv.base_url", std::string("www.pixiv.net")}}));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("pixiv.base_url"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("www.pixiv.net"), std::string::npos) << e.what();
  }
  try {
    (void)registry.sites()[1].make(config_with({{"retry.error_wait_min_ms", std::int64_t{9000}},
                                                {"retry.error_wait_max_ms", std::int64_t{10}}}));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("retry.error_wait_min_ms"), std::string::npos) << e.what();
  }
  for (const auto& key : registry.config_keys()) {
    if (key.name == "retry.budget") {
      EXPECT_FALSE(check_value(key, ConfigValue{std::int64_t{0}}).empty());
    }
  }
}

TEST_F(SitesPlugin, TheLoadedConnectorsFindAnArtist) {
  aotf::fixtures::FixtureServer server;
  aotf::fixtures::ArtSites fixture(server);
  const std::string url = fixture.deviantart_artwork_linking_to("loaded", {"https://x.com/LoadedArtist"});
  const ConfigView config = config_with(fixture.plugin_config());
  std::vector<std::unique_ptr<Site>> owned;
  std::vector<Site*> sites;
  for (const auto& registration : registry.sites()) {
    owned.push_back(registration.make(config));
    sites.push_back(owned.back().get());
  }
  const auto result = LinkFinder(sites).find(url);
  EXPECT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "loadedartist"}}));
}

}  // namespace
}  // namespace aotf::sites::testing
