// The pure pieces of the HTTP API: client address, JSON of a request, post and account URLs,
// UTF-8 checks and the metrics text.
#include <regex>

#include <gtest/gtest.h>

#include "api_json.hpp"
#include "client_address.hpp"
#include "metrics_text.hpp"

namespace aotf::http_api {
namespace {

const std::vector<std::string> kTrusted{"127.0.0.1", "::1"};

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItsHeaderSays) {
  EXPECT_EQ(client_address("203.0.113.9", "192.0.2.1", kTrusted), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9", "", kTrusted), "203.0.113.9");
}

TEST(ClientAddress, ATrustedPeerForwardsTheRightMostUntrustedEntry) {
  EXPECT_EQ(client_address("127.0.0.1", "192.0.2.1", kTrusted), "192.0.2.1");
  EXPECT_EQ(client_address("127.0.0.1", "6.6.6.6, 192.0.2.1", kTrusted), "192.0.2.1");
  EXPECT_EQ(client_address("127.0.0.1", "192.0.2.1, 127.0.0.1", kTrusted), "192.0.2.1");
  EXPECT_EQ(client_address("127.0.0.1", "", kTrusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "127.0.0.1, ::1", kTrusted), "127.0.0.1");
}

TEST(ClientAddress, GarbageInTheHeaderStopsAtTheLastTrustedHop) {
  EXPECT_EQ(client_address("127.0.0.1", "not-an-address", kTrusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "192.0.2.1, <script>", kTrusted), "127.0.0.1");
}

TEST(ClientAddress, AddressesAreNormalized) {
  EXPECT_EQ(normalize_ip("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(normalize_ip("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(normalize_ip(" 192.0.2.7 "), "192.0.2.7");
  EXPECT_EQ(normalize_ip("192.0.2.256"), "");
  EXPECT_EQ(client_address("::ffff:127.0.0.1", "2001:db8::1", kTrusted), "2001:db8::1");
}

TEST(Utf8, CountsCodePointsAndRefusesWhatIsNotUtf8) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3u);
  EXPECT_EQ(utf8_length("\xf0\x9f\x8e\xa8"), 1u);
  EXPECT_FALSE(utf8_length("\xff"));
  EXPECT_FALSE(utf8_length("\xc0\xaf"));          // overlong
  EXPECT_FALSE(utf8_length("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(utf8_length("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(utf8_length("ab\xe2\x82"));        // truncated
}

TEST(PostUrl, LinksEachPlatformsPosts) {
  EXPECT_EQ(post_url("x", "1234567890123456789", "artist"), "https://x.com/artist/status/1234567890123456789");
  EXPECT_EQ(post_url("x", "12", ""), "https://x.com/i/status/12");
  EXPECT_EQ(post_url("bluesky", "at://did:plc:abc123/app.bsky.feed.post/3kq2xyz", "a.bsky.social"),
            "https://bsky.app/profile/did:plc:abc123/post/3kq2xyz");
  EXPECT_EQ(post_url("bluesky", "at://did:plc:abc/app.bsky.feed.like/3k", ""), "");
  EXPECT_EQ(post_url("mastodon", "1", "a"), "");
  EXPECT_EQ(post_url("x", "1/../../evil", "a"), "");
  EXPECT_EQ(account_url("x", "artist", "1"), "https://x.com/artist");
  EXPECT_EQ(account_url("bluesky", "a.bsky.social", "did:plc:abc"), "https://bsky.app/profile/did:plc:abc");
}

TEST(RequestJson, EveryFieldWithIdsAsStringsAndTheAdditiveFields) {
  shm::UserRequestSnapshot request;
  request.status = shm::UserStatus::End;
  request.has_first_time_scan = true;
  request.accounts = {{"x", "artist", "42"}, {"bluesky", "a.bsky.social", "did:plc:abc"}};
  request.results = {{"x", "1001", "42", 2, 4, 3}, {"bluesky", "at://did:plc:abc/app.bsky.feed.post/3k", "did:plc:abc", 1, 1, 0}};
  const Json body = request_json(request);
  EXPECT_EQ(body.dump(),
            R"({"status":"END","has_first_time_scan":true,"twitter_accounts":[)"
            R"({"account_name":"artist","account_id":"42","platform":"x","url":"https://x.com/artist"},)"
            R"({"account_name":"a.bsky.social","account_id":"did:plc:abc","platform":"bluesky","url":"https://bsky.app/profile/did:plc:abc"}],)"
            R"("results":[{"tweet_id":"1001","account_id":"42","image_position":"2/4","distance":3,"platform":"x","url":"https://x.com/artist/status/1001"},)"
            R"({"tweet_id":"at://did:plc:abc/app.bsky.feed.post/3k","account_id":"did:plc:abc","image_position":"1/1","distance":0,"platform":"bluesky","url":"https://bsky.app/profile/did:plc:abc/post/3k"}],)"
            R"("error":null})");
}

TEST(RequestJson, AnErrorWithoutARequest) {
  EXPECT_EQ(error_json(shm::UserError::NoUrlField).dump(),
            R"({"status":null,"has_first_time_scan":false,"twitter_accounts":[],"results":[],"error":"NO_URL_FIELD"})");
}

TEST(MetricsText, EscapesLabelsAndWritesSumAndCount) {
  MetricsInput input;
  input.counts.user_queue[0] = 3;
  input.series = {{"step3.search \"x\"\n", 4, 1.5}};
  input.processes = {{123, "step3", shm::ProcessState::Quarantined, 7}};
  input.user_census = {{false, shm::UserStatus::End, shm::UserError::NotAnUrl, 2},
                       {true, shm::UserStatus::WaitReverseSearch, shm::UserError::None, 1}};
  const std::string text = metrics_text(input);
  EXPECT_NE(text.find("aotfd_user_queue_size{step=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("aotfd_stage_seconds_sum{series=\"step3.search \\\"x\\\"\\n\"} 1.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("aotfd_stage_seconds_count{series=\"step3.search \\\"x\\\"\\n\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("aotfd_container_restarts_total{container=\"step3\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("aotfd_container_up{container=\"step3\",state=\"quarantined\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("aotfd_user_requests{kind=\"user\",status=\"END\",error=\"NOT_AN_URL\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("aotfd_user_requests{kind=\"direct\",status=\"WAIT_IMAGE_REVERSE_SEARCH\",error=\"\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace aotf::http_api
