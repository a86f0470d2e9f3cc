// The query image rules of step 3 (reference 4.6 and 8.4) against a loopback image host.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "fixture_server.hpp"
#include "images/generated_image.hpp"
#include "query_image.hpp"

namespace aotf::user_pipeline {
namespace {

using namespace std::chrono_literals;

// A 74-byte PNG that announces 20000 × 20000 pixels: a decompression bomb.
std::string bomb_png() {
  static constexpr const char* hex =
      "89504e470d0a1a0a0000000d4948445200004e2000004e200800000000c61b19e50000001149444154789c63601805a3"
      "60140c77000003e80001b3a6d3460000000049454e44ae426082";
  std::string out;
  for (const char* p = hex; p[0] && p[1]; p += 2) out.push_back(static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16)));
  return out;
}

image::Fingerprint expected(std::uint32_t seed) {
  const std::string jpeg = fixtures::make_jpeg(seed);
  return image::fingerprint(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()));
}

class QueryImageTest : public testing::Test {
protected:
  QueryImageTest() {
    auto& r = server.routes();
    r.Get("/img/ok.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(fixtures::make_jpeg(7), "image/jpeg");
    });
    r.Get("/img/other.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(fixtures::make_jpeg(8), "image/jpeg");
    });
    r.Get("/img/chunked.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("image/jpeg", [](std::size_t, httplib::DataSink& sink) {
        const std::string jpeg = fixtures::make_jpeg(7);
        sink.write(jpeg.data(), jpeg.size());
        sink.done();
        return true;
      });
    });
    r.Get("/img/bomb.png", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(bomb_png(), "image/png");
    });
    r.Get("/img/missing.jpg", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
    r.Get("/img/text.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("this is not an image at all", "image/jpeg");
    });
    r.Get("/img/502-once.jpg", [this](const httplib::Request&, httplib::Response& res) {
      if (bad_gateways_++ == 0) {
        res.status = 502;
        return;
      }
      res.set_content(fixtures::make_jpeg(7), "image/jpeg");
    });
    r.Get("/img/502.jpg", [](const httplib::Request&, httplib::Response& res) { res.status = 502; });
    options.retry_wait_502 = 10ms;
    options.sleep_for = [this](std::chrono::milliseconds d) {
      waited_ += d;
      return true;
    };
  }
  std::string url(const std::string& path) const { return server.base_url() + path; }

  fixtures::FixtureServer server;
  QueryImageOptions options;
  std::atomic<int> bad_gateways_{0};
  std::chrono::milliseconds waited_{0};
};

TEST_F(QueryImageTest, TheBestUrlIsFingerprintedWithItsHeaders) {
  options.headers_for = [](const std::string&) { return http::Headers{{"Referer", "https://www.pixiv.net/"}}; };
  const auto q = query_image_from_urls({url("/img/ok.jpg"), url("/img/other.jpg")}, false, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  EXPECT_EQ(*q.fingerprint, expected(7));
  EXPECT_EQ(server.count("/img/other.jpg"), 0u) << "the next URL is only tried when the first cannot serve";
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.find("Referer")->second, "https://www.pixiv.net/");
  EXPECT_EQ(requests[0].headers.find("User-Agent")->second, std::string(http::kDefaultUserAgent));
}

TEST_F(QueryImageTest, AnAnswerWithoutContentLengthIsTooBigAndTheNextUrlIsTried) {
  auto q = query_image_from_urls({url("/img/chunked.jpg"), url("/img/other.jpg")}, false, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  EXPECT_EQ(*q.fingerprint, expected(8));
  q = query_image_from_urls({url("/img/chunked.jpg")}, false, options);
  EXPECT_FALSE(q.fingerprint);
  EXPECT_EQ(q.error, shm::UserError::QueryImageTooBig);
}

TEST_F(QueryImageTest, ADecompressionBombIsTooBigAndTheNextUrlIsTried) {
  auto q = query_image_from_urls({url("/img/bomb.png"), url("/img/ok.jpg")}, true, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  EXPECT_EQ(*q.fingerprint, expected(7));
  q = query_image_from_urls({url("/img/bomb.png")}, true, options);
  EXPECT_EQ(q.error, shm::UserError::QueryImageTooBig);
  EXPECT_NE(q.detail.find("20000x20000"), std::string::npos) << q.detail;
}

TEST_F(QueryImageTest, AnInvalidUrlIsSkippedOrIsNotAnUrlWhenLast) {
  auto q = query_image_from_urls({"ftp://example/a.jpg", url("/img/ok.jpg")}, true, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  q = query_image_from_urls({url("/img/ok.jpg").replace(0, 7, "htp://")}, true, options);
  EXPECT_EQ(q.error, shm::UserError::NotAnUrl);
  EXPECT_NE(q.detail.find("is not an http(s) URL"), std::string::npos) << q.detail;
}

TEST_F(QueryImageTest, AnHttpErrorIsCannotGetImageForADirectRequestAndAnErrorOtherwise) {
  auto q = query_image_from_urls({url("/img/missing.jpg"), url("/img/ok.jpg")}, true, options);
  EXPECT_FALSE(q.fingerprint);
  EXPECT_EQ(q.error, shm::UserError::CannotGetImage);
  EXPECT_NE(q.detail.find("answered HTTP 404"), std::string::npos) << q.detail;
  try {
    (void)query_image_from_urls({url("/img/missing.jpg")}, false, options);
    FAIL() << "a Link Finder URL answering 404 did not raise";
  } catch (const QueryImageError& e) {
    EXPECT_NE(std::string(e.what()).find("/img/missing.jpg answered HTTP 404"), std::string::npos) << e.what();
  }
  // Nothing listening: no answer at all.
  q = query_image_from_urls({"http://127.0.0.1:1/a.jpg"}, true, options);
  EXPECT_EQ(q.error, shm::UserError::CannotGetImage);
}

TEST_F(QueryImageTest, A502IsRetriedOnceAfterTheConfiguredWait) {
  auto q = query_image_from_urls({url("/img/502-once.jpg")}, true, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  EXPECT_EQ(server.count("/img/502-once.jpg"), 2u);
  EXPECT_EQ(waited_, 10ms);
  q = query_image_from_urls({url("/img/502.jpg")}, true, options);
  EXPECT_EQ(q.error, shm::UserError::CannotGetImage);
  EXPECT_EQ(server.count("/img/502.jpg"), 2u) << "one retry, not more";
}

TEST_F(QueryImageTest, BytesThatAreNotAnImageAreAnErrorDuringReverseSearch) {
  const auto q = query_image_from_urls({url("/img/text.jpg"), url("/img/ok.jpg")}, false, options);
  EXPECT_FALSE(q.fingerprint);
  EXPECT_EQ(q.error, shm::UserError::ErrorDuringReverseSearch);
}

TEST_F(QueryImageTest, AnUploadedFileIsReadOrReportedMissing) {
  const auto dir = std::filesystem::temp_directory_path() / ("aotf_upload_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "0123456789abcdef0123456789abcdef";
  std::ofstream(file, std::ios::binary) << fixtures::make_jpeg(7);
  auto q = query_image_from_file(file, options);
  ASSERT_TRUE(q.fingerprint) << q.detail;
  EXPECT_EQ(*q.fingerprint, expected(7));
  std::filesystem::remove_all(dir);
  q = query_image_from_file(file, options);
  EXPECT_EQ(q.error, shm::UserError::CannotGetImage);

  EXPECT_TRUE(is_upload_identifier("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(is_upload_identifier("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(is_upload_identifier("../../../../etc/passwd"));
  EXPECT_FALSE(is_upload_identifier("https://example.com/a.jpg"));
}

}  // namespace
}  // namespace aotf::user_pipeline
