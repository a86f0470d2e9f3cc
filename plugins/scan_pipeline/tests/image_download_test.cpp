// The image download rules of step C (reference 8.4) against a loopback image host.
#include <gtest/gtest.h>

#include "image_download.hpp"
#include "scan_rig.hpp"

namespace aotf::scan {
namespace {

using fixtures::Fault;

class NoConnectors : public Connectors {
public:
  std::vector<Site*> sites() override { return {}; }
  Source* source(std::string_view) override { return nullptr; }
  std::vector<std::string> platforms() override { return {}; }
  std::vector<std::pair<std::string, std::string>> image_headers(std::string_view url) override {
    if (url.find("/referer/") != std::string_view::npos) return {{"Referer", "https://www.example.net/"}};
    return {};
  }
};

class ImageDownload : public testing::Test {
protected:
  ImageDownload() {
    images.routes().set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return faults.apply(req, res) ? httplib::Server::HandlerResponse::Handled
                                    : httplib::Server::HandlerResponse::Unhandled;
    });
    settings.bad_gateway_wait_min = settings.bad_gateway_wait_max = std::chrono::milliseconds(1);
    settings.error_wait_min = settings.error_wait_max = std::chrono::milliseconds(1);
    settings.decode_wait = std::chrono::milliseconds(1);
  }
  IndexedImage fetch(const std::string& url) {
    ImageIndexer indexer(settings, image::FingerprintMode::Exact, connectors, nullptr);
    return indexer.index(url, [] { return false; });
  }
  std::size_t hits(const std::string& path) const { return images.count(path); }

  fixtures::FixtureServer images;
  fixtures::ImageHost host{images};
  fixtures::FaultQueue faults;
  NoConnectors connectors;
  DownloadSettings settings;
};

TEST(ImageFileName, IsTheLastPathSegmentWithoutTheQuery) {
  EXPECT_EQ(image_file_name("https://pbs.twimg.com/media/GAbc_defGHIjklm.jpg?name=large"), "GAbc_defGHIjklm.jpg");
  EXPECT_EQ(image_file_name("https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:a/bafkrei@jpeg"), "bafkrei@jpeg");
  EXPECT_EQ(image_file_name("http://127.0.0.1:8/img/7.png#x"), "7.png");
}

TEST_F(ImageDownload, AnImageIsFingerprintedAsTheEngineDoes) {
  const IndexedImage image = fetch(host.x_media_url(7) + "?name=large");
  EXPECT_FALSE(image.failed) << image.problem;
  EXPECT_EQ(image.name, "7.jpg");
  ASSERT_TRUE(image.fingerprint.has_value()) << image.problem;
  EXPECT_EQ(*image.fingerprint, test::expected_fingerprint(7));
}

TEST_F(ImageDownload, NotFoundForbiddenAndServerErrorMeanLostAndAreNotRetried) {
  for (int status : {404, 403, 500}) {
    images.clear_requests();
    faults.push(Fault{"/media/8.jpg", Fault::Mode::Answer, status, "gone", "text/plain", {}, 5});
    const IndexedImage image = fetch(host.x_media_url(8));
    EXPECT_FALSE(image.fingerprint.has_value()) << status;
    EXPECT_FALSE(image.failed) << status << ": a lost image is not retried later";
    EXPECT_EQ(image.name, "8.jpg") << "the name is kept";
    EXPECT_NE(image.problem.find("lost: the image host answered " + std::to_string(status)), std::string::npos);
    EXPECT_EQ(hits("/media/8.jpg"), 1u) << status;
    faults.clear();
  }
}

TEST_F(ImageDownload, BadGatewayIsRetriedThreeTimes) {
  faults.push(Fault{"/media/9.jpg", Fault::Mode::Answer, 502, "bad gateway", "text/plain", {}, 3});
  const IndexedImage recovered = fetch(host.x_media_url(9));
  ASSERT_TRUE(recovered.fingerprint.has_value()) << recovered.problem;
  EXPECT_EQ(hits("/media/9.jpg"), 4u) << "3 failures, then the image";

  images.clear_requests();
  faults.push(Fault{"/media/9.jpg", Fault::Mode::Answer, 502, "bad gateway", "text/plain", {}, 4});
  const IndexedImage failed = fetch(host.x_media_url(9));
  EXPECT_FALSE(failed.fingerprint.has_value());
  EXPECT_TRUE(failed.failed) << "kept for a later re-index";
  EXPECT_EQ(hits("/media/9.jpg"), 4u) << "the first try and 3 retries";
}

TEST_F(ImageDownload, ATruncatedImageOrAnotherStatusIsRetriedOnce) {
  faults.push(Fault{"/media/10.jpg", Fault::Mode::Truncated, 200, fixtures::make_jpeg(10).substr(0, 100), "image/jpeg", {}, 2});
  const IndexedImage truncated = fetch(host.x_media_url(10));
  EXPECT_TRUE(truncated.failed);
  EXPECT_FALSE(truncated.fingerprint.has_value());
  EXPECT_EQ(hits("/media/10.jpg"), 2u);

  faults.push(Fault{"/media/11.jpg", Fault::Mode::Answer, 503, "busy", "text/plain", {}, 1});
  const IndexedImage once = fetch(host.x_media_url(11));
  EXPECT_TRUE(once.fingerprint.has_value()) << once.problem;
  EXPECT_EQ(hits("/media/11.jpg"), 2u);
}

TEST_F(ImageDownload, AnUndecodableImageIsDownloadedOnceMoreThenFails) {
  faults.push(Fault{"/media/12.jpg", Fault::Mode::Answer, 200, "this is not a picture", "image/jpeg", {}, 5});
  const IndexedImage image = fetch(host.x_media_url(12));
  EXPECT_TRUE(image.failed);
  EXPECT_NE(image.problem.find("cannot fingerprint it"), std::string::npos) << image.problem;
  EXPECT_EQ(hits("/media/12.jpg"), 2u);
}

TEST_F(ImageDownload, TheSiteHeadersAreSent) {
  images.routes().Get("/referer/image.png", [](const httplib::Request& req, httplib::Response& res) {
    res.status = req.get_header_value("Referer") == "https://www.example.net/" ? 200 : 403;
    res.set_content(fixtures::make_png(1), "image/png");
  });
  const IndexedImage image = fetch(images.base_url() + "/referer/image.png");
  EXPECT_TRUE(image.fingerprint.has_value()) << image.problem;
}

}  // namespace
}  // namespace aotf::scan

namespace aotf::scan {
namespace {

ConfigView config_with(std::map<std::string, ConfigValue> overrides) {
  Registry registry;
  declare_config_keys(registry);
  std::map<std::string, ConfigValue> values;
  for (const auto& key : registry.config_keys()) values[key.name] = *key.default_value;
  for (auto& [name, value] : overrides) values[name] = value;
  return ConfigView("scan_pipeline", values);
}

TEST(Settings, TheDefaultsAreTheOriginalsDownloadRules) {
  const Settings s = read_settings(config_with({}));
  EXPECT_TRUE(s.blocklist.empty());
  EXPECT_EQ(s.download.max_bytes, 20'971'520u);
  EXPECT_EQ(s.download.bad_gateway_retries, 3);
  EXPECT_EQ(s.download.bad_gateway_wait_min, std::chrono::seconds(8));
  EXPECT_EQ(s.download.bad_gateway_wait_max, std::chrono::seconds(12));
  EXPECT_EQ(s.download.error_retries, 1);
  EXPECT_EQ(s.download.decode_wait, std::chrono::seconds(10));
}

TEST(Settings, ABlocklistEntryNamesPlatformAndAccountId) {
  const Settings s = read_settings(config_with({{"blocklist", std::vector<std::string>{"x:2244994945", "bluesky:did:plc:a"}}}));
  EXPECT_TRUE(s.blocklisted("x", "2244994945"));
  EXPECT_TRUE(s.blocklisted("bluesky", "did:plc:a")) << "a DID keeps its colons";
  EXPECT_FALSE(s.blocklisted("bluesky", "2244994945"));
  try {
    (void)read_settings(config_with({{"blocklist", std::vector<std::string>{"2244994945"}}}));
    FAIL() << "an entry without platform is refused";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "[plugins.scan_pipeline] blocklist entry \"2244994945\" is not \"platform:account_id\" "
                           "(for example \"x:2244994945\")");
  }
  EXPECT_THROW((void)read_settings(config_with({{"image.error_wait_min_ms", std::int64_t{20}},
                                                {"image.error_wait_max_ms", std::int64_t{10}}})),
               ConfigError);
}

}  // namespace
}  // namespace aotf::scan
