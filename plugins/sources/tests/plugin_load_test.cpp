// The built sources.so loads with every symbol resolved and registers x and bluesky, and the
// photos a listing returns download as images through the SDK client.

#include <gtest/gtest.h>

#include <set>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>

#include "aotf/http/client.hpp"
#include "aotf/plugin.hpp"
#include "sources/bluesky_fixture.hpp"
#include "sources/x_fixture.hpp"
#include "test_support.hpp"

namespace {

TEST(SourcesPlugin, LoadsAndRegistersBothPlatforms) {
  boost::dll::shared_library library(AOTF_SOURCES_PLUGIN_FILE,
                                     boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  auto& entry = library.get_alias<aotf::PluginEntry>(aotf::kPluginEntrySymbol);
  const aotf::PluginDescriptor* descriptor = entry();
  ASSERT_NE(descriptor, nullptr);
  EXPECT_EQ(descriptor->abi_version, aotf::kPluginAbiVersion);
  EXPECT_STREQ(descriptor->name, "sources");
  {
    aotf::Registry registry;
    descriptor->register_plugin(registry);
    ASSERT_EQ(registry.sources().size(), 2U);
    EXPECT_EQ(registry.sources()[0].name, "x");
    EXPECT_EQ(registry.sources()[1].name, "bluesky");
    EXPECT_GE(registry.config_keys().size(), 12U);
    registry.clear();  // no plugin callback may outlive the library
  }
}

TEST(SourcesPlugin, ListedPhotosDownloadAsImages) {
  aotf::fixtures::FixtureServer api, image_server;
  aotf::fixtures::ImageHost images(image_server);
  aotf::fixtures::XFixture x(api, images);
  aotf::fixtures::BlueskyFixture bsky(api, images);
  x.add_account("artist", "1001");
  x.add_tweets("1001", 2, 2);
  bsky.add_account("artist.bsky.social", "did:plc:artist");
  bsky.add_posts("did:plc:artist", 2, 1);

  aotf::sources::XOptions xo;
  xo.api_base_url = api.base_url();
  xo.bearer_token = x.token();
  xo.upstream = aotf::sources::testing::fast_upstream(aotf::sources::x_upstream_defaults());
  aotf::sources::XSource xs(xo);
  aotf::sources::BlueskyOptions bo;
  bo.appview_base_url = api.base_url();
  bo.upstream = aotf::sources::testing::fast_upstream(aotf::sources::bluesky_upstream_defaults());
  aotf::sources::BlueskySource bs(bo);

  std::vector<std::string> urls;
  for (const auto& p : xs.list_posts(aotf::Lister::timeline, xs.resolve_account("artist", {}), "", {}).posts) {
    urls.insert(urls.end(), p.image_urls.begin(), p.image_urls.end());
  }
  for (const auto& p : bs.list_posts(aotf::Lister::timeline, bs.resolve_account("artist.bsky.social", {}), "", {}).posts) {
    urls.insert(urls.end(), p.image_urls.begin(), p.image_urls.end());
  }
  ASSERT_EQ(urls.size(), 6U);
  aotf::http::Client client;
  std::set<std::string> distinct;
  for (const auto& url : urls) {
    const auto response = client.get(url);
    ASSERT_EQ(response.status, 200) << url;
    ASSERT_GE(response.body.size(), 4U);
    EXPECT_EQ(response.body.substr(0, 3), "\xFF\xD8\xFF") << url << " is not a JPEG";
    EXPECT_EQ(response.header("Content-Type").value_or(""), "image/jpeg");
    distinct.insert(response.body);
  }
  EXPECT_EQ(distinct.size(), 6U);  // every photo is a different picture
}

TEST(SourcesPlugin, UsedUpWindowDelaysTheNextRequestUntilTheReset) {
  aotf::fixtures::FixtureServer api, image_server;
  aotf::fixtures::ImageHost images(image_server);
  aotf::fixtures::XFixture x(api, images);
  x.add_account("artist", "1001");
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count() + 2;
  x.inject({.path_prefix = "/2/users/by/username/", .status = 200,
            .body = R"({"data":{"id":"1001","name":"A","username":"artist","protected":false}})",
            .headers = {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", std::to_string(reset)}}});
  aotf::sources::XOptions xo;
  xo.api_base_url = api.base_url();
  xo.bearer_token = x.token();
  xo.upstream = aotf::sources::testing::fast_upstream(aotf::sources::x_upstream_defaults());
  aotf::sources::XSource xs(xo);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(xs.resolve_account("artist", {}).state, aotf::AccountState::ok);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));  // the answer itself is used
  EXPECT_EQ(xs.resolve_account("artist", {}).state, aotf::AccountState::ok);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));  // waited for the reset
  EXPECT_EQ(api.count("/2/users/by/username/artist"), 2U);
}

}  // namespace
