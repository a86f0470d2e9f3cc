// Step 2's first-visit rule with dates, and the account text of direct requests.
#include <gtest/gtest.h>

#include "account_text.hpp"
#include "scan_decision.hpp"
#include "settings.hpp"

namespace aotf::user_pipeline {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kWeek = 7 * 24h;

db::Account row(std::optional<std::string> search, std::optional<std::string> timeline) {
  db::Account a;
  a.platform = "x";
  a.account_id = "1001";
  a.search_saved_at = std::move(search);
  a.timeline_saved_at = std::move(timeline);
  return a;
}

std::int64_t ms(const char* text) { return *parse_utc_ms(text); }

TEST(ScanDecision, AnAccountWithoutRowOrWithAListingNeverSavedGetsAFirstScan) {
  const auto published = ms("2024-01-01T00:00:00Z");
  EXPECT_EQ(decide_scan(std::nullopt, published, kWeek), ScanDecision::FirstTime);
  EXPECT_EQ(decide_scan(row(std::nullopt, "2024-06-01T00:00:00Z"), published, kWeek), ScanDecision::FirstTime);
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", std::nullopt), published, kWeek), ScanDecision::FirstTime);
  EXPECT_EQ(decide_scan(row(std::nullopt, std::nullopt), published, kWeek), ScanDecision::FirstTime);
  // A date that cannot be read is as good as missing.
  EXPECT_EQ(decide_scan(row("yesterday", "2024-06-01T00:00:00Z"), published, kWeek), ScanDecision::FirstTime);
}

TEST(ScanDecision, TheOlderListingMinusTheMarginMustBeAfterThePublication) {
  // Both listings saved long after the illustration: nothing to do.
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z"), ms("2024-05-01T00:00:00Z"), kWeek),
            ScanDecision::None);
  // The older save (search, 06-01) minus 7 days is 05-25: an illustration of 05-26 may be missing.
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-20T00:00:00Z"), ms("2024-05-26T00:00:00Z"), kWeek),
            ScanDecision::Update);
  // ... the same with the timeline being the older one.
  EXPECT_EQ(decide_scan(row("2024-06-20T00:00:00Z", "2024-06-01T00:00:00Z"), ms("2024-05-26T00:00:00Z"), kWeek),
            ScanDecision::Update);
  // Exactly at the margin: not newer, no scan (strict "<" as the original).
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z"), ms("2024-05-25T00:00:00Z"), kWeek),
            ScanDecision::None);
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z"), ms("2024-05-25T00:00:01Z"), kWeek),
            ScanDecision::Update);
  // A margin of 0 days compares the dates themselves.
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z"), ms("2024-05-31T23:59:59Z"), 0ms),
            ScanDecision::None);
  // Publication time unknown: the illustration may be new.
  EXPECT_EQ(decide_scan(row("2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z"), 0, kWeek), ScanDecision::Update);
}

TEST(ScanDecision, DatesAreReadOnlyInTheStoredShape) {
  EXPECT_EQ(parse_utc_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_utc_ms("2024-02-29T12:34:56Z"), 1709210096000);
  EXPECT_FALSE(parse_utc_ms("2024-02-29 12:34:56"));
  EXPECT_FALSE(parse_utc_ms("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_utc_ms("2024-02-29T12:34:56+01:00"));
  EXPECT_FALSE(parse_utc_ms(""));
}

TEST(AccountText, APlatformPrefixAndALeadingAtAreRecognised) {
  auto a = parse_account_text("bluesky:@artist.bsky.social", "x");
  EXPECT_EQ(a.platform, "bluesky");
  EXPECT_EQ(a.name, "artist.bsky.social");
  a = parse_account_text("@Inkwell", "x");
  EXPECT_EQ(a.platform, "x");
  EXPECT_EQ(a.name, "Inkwell");
  a = parse_account_text("Inkwell", "bluesky");
  EXPECT_EQ(a.platform, "bluesky");
}

TEST(SettingsTest, ABlocklistEntryWithoutPlatformIsAConfigErrorNamingIt) {
  std::map<std::string, ConfigValue> values;
  for (const auto& key : config_keys()) values[key.name] = *key.default_value;
  values["blocklist"] = std::vector<std::string>{"x:1", "12345"};
  try {
    (void)Settings::read(ConfigView("user_pipeline", values));
    FAIL() << "a bad blocklist entry was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("\"12345\" is not \"platform:account_id\""), std::string::npos) << e.what();
  }
  values["blocklist"] = std::vector<std::string>{"x:1", "bluesky:did:plc:abc"};
  const Settings s = Settings::read(ConfigView("user_pipeline", values));
  EXPECT_TRUE(s.blocklisted("x", "1"));
  EXPECT_TRUE(s.blocklisted("bluesky", "did:plc:abc"));
  EXPECT_FALSE(s.blocklisted("bluesky", "1"));
}

}  // namespace
}  // namespace aotf::user_pipeline
