#pragma once
// The five connectors of the sites plugin pointed at one loopback server playing every site.

#include <gtest/gtest.h>

#include <aotf/connectors/link_finder.hpp>

#include "danbooru.hpp"
#include "deviantart.hpp"
#include "fixture_server.hpp"
#include "philomena.hpp"
#include "pixiv.hpp"
#include "site_environment.hpp"
#include "sites/art_sites.hpp"

namespace aotf {
// Readable accounts in failure messages.
inline void PrintTo(const Account& account, std::ostream* out) { *out << account.platform << ":" << account.name; }
}  // namespace aotf

namespace aotf::sites::testing {

// Every declared key at its default, then `overrides`.
inline ConfigView make_config(const std::map<std::string, ConfigValue>& overrides) {
  std::map<std::string, ConfigValue> values;
  for (const auto& key : config_keys()) values[key.name] = *key.default_value;
  for (const auto& [name, value] : overrides) {
    EXPECT_TRUE(values.count(name)) << "the fixture sets an undeclared key " << name;
    values[name] = value;
  }
  return ConfigView("sites", values);
}

class SitesTest : public ::testing::Test {
protected:
  SitesTest()
      : fixture(server),
        config(make_config(fixture.plugin_config())),
        deviantart(config),
        pixiv(config),
        danbooru(config),
        derpibooru("derpibooru", "Derpibooru", config),
        furbooru("furbooru", "Furbooru", config),
        finder({&deviantart, &pixiv, &danbooru, &derpibooru, &furbooru}) {}

  [[nodiscard]] std::size_t count(const std::string& path) const { return server.count(path); }

  aotf::fixtures::FixtureServer server;
  aotf::fixtures::ArtSites fixture;
  ConfigView config;
  DeviantArt deviantart;
  Pixiv pixiv;
  Danbooru danbooru;
  Philomena derpibooru;
  Philomena furbooru;
  LinkFinder finder;
};

inline std::chrono::sys_seconds utc(int y, int mo, int d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

using Accounts = std::vector<Account>;
using Urls = std::vector<std::string>;

}  // namespace aotf::sites::testing
