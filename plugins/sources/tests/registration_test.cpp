// What the plugin registers and how the configuration turns sources on and off.

#include <gtest/gtest.h>

#include <mutex>

#include "aotf/log.hpp"
#include "fixture_server.hpp"
#include "test_support.hpp"

namespace {

std::mutex g_mutex;
std::vector<std::string> g_lines;

void capture(aotf::LogLevel, std::string_view component, std::string_view message) {
  std::lock_guard lock(g_mutex);
  g_lines.push_back(std::string(component) + ": " + std::string(message));
}

const char* no_env(const char*) { return nullptr; }

TEST(SourcesRegistration, RegistersBothPlatformsAndTheirKeys) {
  aotf::Registry registry;
  aotf::sources::register_sources(registry);
  ASSERT_EQ(registry.sources().size(), 2U);
  EXPECT_EQ(registry.sources()[0].name, "x");
  EXPECT_EQ(registry.sources()[1].name, "bluesky");
  std::map<std::string, aotf::ConfigValue> defaults;
  for (const auto& k : registry.config_keys()) {
    ASSERT_TRUE(k.default_value) << k.name;
    EXPECT_FALSE(k.description.empty()) << k.name;
    defaults[k.name] = *k.default_value;
  }
  EXPECT_EQ(std::get<std::string>(defaults.at("x.api_base_url")), "https://api.x.com");
  EXPECT_EQ(std::get<std::string>(defaults.at("x.token_env")), "AOTF_X_BEARER_TOKEN");
  EXPECT_EQ(std::get<std::string>(defaults.at("x.search")), "recent");
  EXPECT_EQ(std::get<std::string>(defaults.at("bluesky.appview_base_url")), "https://public.api.bsky.app");
  EXPECT_TRUE(std::get<bool>(defaults.at("x.enabled")));
  EXPECT_TRUE(std::get<bool>(defaults.at("bluesky.enabled")));
}

TEST(SourcesRegistration, XWithoutTokenIsDisabledWithOneLineSayingHowToEnableIt) {
  aotf::set_log_sink(capture);
  g_lines.clear();
  const auto source = aotf::sources::make_x_source(aotf::sources::testing::config_with({}), no_env);
  aotf::set_log_sink(nullptr);
  EXPECT_EQ(source, nullptr);
  ASSERT_EQ(g_lines.size(), 1U);
  EXPECT_NE(g_lines[0].find("set AOTF_X_BEARER_TOKEN"), std::string::npos) << g_lines[0];
}

TEST(SourcesRegistration, XReadsTheTokenFromTheNamedVariable) {
  const auto config = aotf::sources::testing::config_with({{"x.token_env", std::string("MY_X_TOKEN")}});
  const auto source = aotf::sources::make_x_source(config, [](const char* name) -> const char* {
    return std::string_view(name) == "MY_X_TOKEN" ? "secret" : nullptr;
  });
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->platform(), "x");
  EXPECT_EQ(aotf::sources::x_options_from(config, [](const char*) -> const char* { return "secret"; }).bearer_token, "secret");
}

TEST(SourcesRegistration, EnabledKeysTurnSourcesOff) {
  EXPECT_EQ(aotf::sources::make_bluesky_source(aotf::sources::testing::config_with({{"bluesky.enabled", false}})), nullptr);
  const auto bluesky = aotf::sources::make_bluesky_source(aotf::sources::testing::config_with({}));
  ASSERT_NE(bluesky, nullptr);
  EXPECT_EQ(bluesky->platform(), "bluesky");
  EXPECT_EQ(aotf::sources::make_x_source(aotf::sources::testing::config_with({{"x.enabled", false}}),
                                         [](const char*) -> const char* { return "t"; }),
            nullptr);
}

TEST(SourcesRegistration, ConfigReachesTheSources) {
  const auto config = aotf::sources::testing::config_with({{"x.search", std::string("all")},
                                                           {"x.timeout_s", std::int64_t{7}},
                                                           {"x.max_rate_limit_wait_s", std::int64_t{30}},
                                                           {"proxy", std::string("http://127.0.0.1:3128")}});
  const auto o = aotf::sources::x_options_from(config, no_env);
  EXPECT_TRUE(o.search_all);
  EXPECT_EQ(o.upstream.http.read_timeout, std::chrono::seconds(7));
  EXPECT_EQ(o.upstream.max_rate_limit_wait, std::chrono::seconds(30));
  EXPECT_EQ(o.upstream.http.proxy, "http://127.0.0.1:3128");
  EXPECT_EQ(o.upstream.reset_header, "x-rate-limit-reset");
}

TEST(SourcesRegistration, BuildingSourcesSendsNothing) {
  aotf::fixtures::FixtureServer upstream;
  const auto config = aotf::sources::testing::config_with({{"x.api_base_url", upstream.base_url()},
                                                           {"bluesky.appview_base_url", upstream.base_url()}});
  const auto x = aotf::sources::make_x_source(config, [](const char*) -> const char* { return "t"; });
  const auto bluesky = aotf::sources::make_bluesky_source(config);
  ASSERT_NE(x, nullptr);
  ASSERT_NE(bluesky, nullptr);
  EXPECT_FALSE(bluesky->list_posts(aotf::Lister::search, {aotf::AccountState::ok, "did:plc:a", "a"}, "", {}).supported);
  EXPECT_TRUE(upstream.requests().empty());
}

TEST(SourcesRegistration, UnusableUrlsAreConfigErrorsNamingTheKey) {
  try {
    (void)aotf::sources::make_bluesky_source(
        aotf::sources::testing::config_with({{"bluesky.appview_base_url", std::string("public.api.bsky.app")}}));
    FAIL() << "accepted a base URL without scheme";
  } catch (const aotf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bluesky.appview_base_url = \"public.api.bsky.app\""), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)aotf::sources::make_x_source(aotf::sources::testing::config_with({{"proxy", std::string("https://p:1")}}),
                                                  [](const char*) -> const char* { return "t"; }),
               aotf::ConfigError);
  EXPECT_THROW((void)aotf::sources::make_x_source(aotf::sources::testing::config_with({{"x.api_base_url", std::string("ftp://x")}}),
                                                  [](const char*) -> const char* { return "t"; }),
               aotf::ConfigError);
}

}  // namespace
