// Validation of the TOML file: each kind of mistake is reported with its line and column.
#include <gtest/gtest.h>

#include "config/config_file.hpp"

namespace aotf::host {
namespace {

const std::vector<ConfigKey> kKeys = {
    ConfigKey::integer("workers", 4, 1, 64, "how many"),
    ConfigKey::number("ratio", 0.5, 0.0, 1.0, "a ratio"),
    ConfigKey::boolean("enabled", true, "on or off"),
    ConfigKey::choice("mode", "exact", {"exact", "fast"}, "hash mode"),
    ConfigKey::strings("allow", {"127.0.0.1"}, "addresses"),
    ConfigKey::string("upstream.base_url", "http://127.0.0.1:1/", "nested"),
    ConfigKey::required("token_env", ValueType::String, "environment variable holding the token"),
};

struct Result {
  std::map<std::string, ConfigValue> values;
  std::vector<ConfigIssue> issues;
};

Result validate(const std::string& text, const std::string& table = "plugins.p") {
  Result r;
  auto file = ConfigFile::parse_text(text, "test.toml", r.issues);
  if (file) r.values = file->validate(table, kKeys, {}, r.issues);
  return r;
}

std::vector<std::string> messages(const Result& r) {
  std::vector<std::string> out;
  for (const auto& i : r.issues) out.push_back(i.str());
  return out;
}

TEST(ConfigValidation, AcceptsAValidTableAndFillsDefaults) {
  Result r = validate("[plugins.p]\nworkers = 8\nratio = 1\ntoken_env = \"X_TOKEN\"\n[plugins.p.upstream]\nbase_url = \"http://127.0.0.1:9/\"\n");
  ASSERT_TRUE(r.issues.empty()) << testing::PrintToString(messages(r));
  EXPECT_EQ(std::get<std::int64_t>(r.values.at("workers")), 8);
  EXPECT_EQ(std::get<double>(r.values.at("ratio")), 1.0) << "an integer is accepted for a number and stored as one";
  EXPECT_EQ(std::get<std::string>(r.values.at("mode")), "exact");
  EXPECT_EQ(std::get<std::string>(r.values.at("upstream.base_url")), "http://127.0.0.1:9/");
  EXPECT_EQ(std::get<std::vector<std::string>>(r.values.at("allow")), std::vector<std::string>{"127.0.0.1"});
}

TEST(ConfigValidation, UnknownKeyNamesItsPositionAndTheClosestKey) {
  Result r = validate("[plugins.p]\ntoken_env = \"T\"\n  workrs = 3\n");
  EXPECT_EQ(messages(r), std::vector<std::string>{"test.toml:3:3: unknown key 'workrs' in [plugins.p] (did you mean 'workers'?)"});
}

TEST(ConfigValidation, UnknownKeyFarFromAnyListsTheKnownKeys) {
  Result r = validate("[plugins.p]\ntoken_env = \"T\"\ncolour = 3\n");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].str(),
            "test.toml:3:1: unknown key 'colour' in [plugins.p]; known keys: workers, ratio, enabled, mode, allow, "
            "upstream.base_url, token_env");
}

TEST(ConfigValidation, WrongTypeNamesTheValuePosition) {
  Result r = validate("[plugins.p]\ntoken_env = \"T\"\nworkers = \"four\"\nenabled = 1\nallow = [1, 2]\n");
  EXPECT_EQ(messages(r), (std::vector<std::string>{
                             "test.toml:3:11: 'workers' in [plugins.p] must be an integer, got a string \"four\"",
                             "test.toml:4:11: 'enabled' in [plugins.p] must be a boolean, got an integer 1",
                             "test.toml:5:9: 'allow' in [plugins.p] must be an array of strings, got an array that is "
                             "not all strings",
                         }));
}

TEST(ConfigValidation, OutOfRangeAndBadChoice) {
  Result r = validate("[plugins.p]\ntoken_env = \"T\"\nworkers = 0\nratio = 1.5\nmode = \"quick\"\n");
  EXPECT_EQ(messages(r), (std::vector<std::string>{
                             "test.toml:3:11: 'workers' in [plugins.p] must be between 1 and 64, got 0",
                             "test.toml:4:9: 'ratio' in [plugins.p] must be between 0 and 1, got 1.5",
                             "test.toml:5:8: 'mode' in [plugins.p] must be one of \"exact\", \"fast\", got \"quick\"",
                         }));
}

TEST(ConfigValidation, MissingRequiredValuePointsAtTheTable) {
  Result r = validate("[plugins.other]\n\n[plugins.p]\nworkers = 2\n");
  EXPECT_EQ(messages(r), std::vector<std::string>{
                             "test.toml:3:1: [plugins.p] is missing the required key 'token_env' (a string: "
                             "environment variable holding the token)"});
}

TEST(ConfigValidation, MissingTableWithARequiredKeyIsReported) {
  Result r = validate("title = 1\n");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].str(), "test.toml:1:1: [plugins.p] is missing the required key 'token_env' (a string: "
                               "environment variable holding the token)");
}

TEST(ConfigValidation, SyntaxErrorHasItsPosition) {
  Result r = validate("[plugins.p]\nworkers = = 3\n");
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].line, 2);
  EXPECT_EQ(r.issues[0].column, 11);
  EXPECT_NE(r.issues[0].message.find("TOML syntax error"), std::string::npos) << r.issues[0].message;
}

TEST(ConfigValidation, AllProblemsAreReportedAtOnce) {
  Result r = validate("[plugins.p]\nworkrs = 3\nratio = -1.0\nmode = 3\n");
  EXPECT_EQ(r.issues.size(), 4u) << testing::PrintToString(messages(r));
}

TEST(ConfigValidation, ClosestNameOnlySuggestsNearNames) {
  EXPECT_EQ(closest_name("daat_dir", {"data_dir", "log_dir"}), "data_dir");
  EXPECT_EQ(closest_name("something", {"data_dir", "log_dir"}), "");
}

}  // namespace
}  // namespace aotf::host
