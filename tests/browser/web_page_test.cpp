// The web page as a user sees it: headless Chromium opens /app/, the user pastes the URL of an
// illustration, clicks Search, watches the status move and gets the link to the post that
// contains the illustration. aotfd runs http_api with both pipelines in a loopback world.
#include <fstream>

#include <gtest/gtest.h>

#include "pipeline_world.hpp"
#include "webdriver.hpp"

namespace aotf::test {
namespace {

namespace fs = std::filesystem;

int read_port(const fs::path& file) {
  int port = 0;
  std::ifstream in(file);
  in >> port;
  return port;
}

void save_artifact(const std::string& name, const std::string& png) {
  fs::create_directories(AOTF_TEST_ARTIFACTS_DIR);
  std::ofstream(fs::path(AOTF_TEST_ARTIFACTS_DIR) / name, std::ios::binary) << png;
}

class WebPage : public ::testing::TestWithParam<bool> {};

TEST_P(WebPage, FindsThePostOfAnIllustrationPastedByTheUser) {
  if (!Browser::available()) GTEST_SKIP() << "chromium and chromium-driver are not installed (scripts/deps test)";
  const auto missing = PipelineDaemon::missing_plugins({"sites", "sources", "user_pipeline", "scan_pipeline", "http_api"});
  if (!missing.empty()) GTEST_SKIP() << "plugin not built: " << missing.front();

  PipelineWorld world;
  Artist artist = world.add_artist({"inkwell", 40, 0});
  const Illustration drawing = world.add_illustration(artist, PostedOn::X);
  PipelineDaemon daemon("browser", world,
                        {.multiprocessing = GetParam(),
                         .plugins = {"sites", "sources", "user_pipeline", "scan_pipeline", "http_api"},
                         .extra_config = "[plugins.http_api]\nport = 0\n"});
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const fs::path port_file = daemon.dir() / "data" / "http_port";
  ASSERT_TRUE(eventually([&] { return read_port(port_file) > 0; }, std::chrono::seconds(30))) << daemon.log();
  const std::string base = "http://127.0.0.1:" + std::to_string(read_port(port_file));

  Browser browser(daemon.dir() / "browser");
  browser.open(base + "/app/");
  const auto input = browser.find("#url");
  const auto submit = browser.find("#submit");
  ASSERT_TRUE(input && submit) << "the page has no URL field or no Search button";
  browser.type(*input, drawing.url);
  browser.click(*submit);

  // The status shown moves on until END, and the post's link appears.
  std::set<std::string> statuses;
  std::string href, status;
  const bool found = eventually(
      [&] {
        if (const auto shown = browser.find("#status")) {
          status = browser.text(*shown);
          statuses.insert(status);
        }
        for (const auto& link : browser.find_all("#results li.result a")) {
          href = browser.attribute(link, "href");
          if (!href.empty()) return true;
        }
        return false;
      },
      std::chrono::seconds(150));
  save_artifact(std::string("browser_web_page_") + (GetParam() ? "processes" : "threads") + ".png", browser.screenshot());
  ASSERT_TRUE(found) << "last status shown: " << status << "\n" << daemon.all_error_logs();
  // The page renders a whole answer at once: read the status again now the link is there.
  if (const auto shown = browser.find("#status")) statuses.insert(status = browser.text(*shown));
  EXPECT_EQ(href, "https://x.com/" + artist.x_username + "/status/" + drawing.post_id);
  EXPECT_EQ(status, "END");
  EXPECT_GE(statuses.size(), 2u) << "the page showed one status only";

  // The accounts found are listed as links, and no error is shown.
  bool account_shown = false;
  for (const auto& link : browser.find_all("#accounts a")) {
    account_shown |= browser.attribute(link, "href") == "https://x.com/" + artist.x_username;
  }
  EXPECT_TRUE(account_shown);
  const auto error = browser.find("#error");
  ASSERT_TRUE(error);
  EXPECT_EQ(browser.text(*error), "");
  const auto distance = browser.find("#results li.result .distance");
  ASSERT_TRUE(distance);
  EXPECT_NE(browser.text(*distance).find("distance"), std::string::npos);
  // Statistics are shown, and the upload form for this (advanced) loopback address.
  // Once the request ended, the statistics count the posts its scans indexed (the server caches
  // /stats for 3 s; the page asks again after that).
  std::string stats_text;
  const bool counted = eventually(
      [&] {
        const auto stats = browser.find("#stats");
        stats_text = stats ? browser.text(*stats) : std::string();
        return stats_text.find("posts of") != std::string::npos && stats_text.rfind("0 posts of", 0) != 0;
      },
      std::chrono::seconds(15));  // the page's own refresh comes every 30 s: this must be the END one
  EXPECT_TRUE(counted) << "statistics shown: " << stats_text;
  EXPECT_TRUE(browser.find("#upload-section:not([hidden])").has_value());
}

INSTANTIATE_TEST_SUITE_P(Modes, WebPage, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Processes" : "Threads"; });

}  // namespace
}  // namespace aotf::test
