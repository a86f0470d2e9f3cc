// Retry budgets as the original Link Finder helper spent them: listed statuses and remote
// disconnects cost 1, other failures cost 2, a budget of 5 by default.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "aotf/http/client.hpp"
#include "fixture_server.hpp"
#include "raw_server.hpp"

namespace {

using namespace std::chrono_literals;
using aotf::fixtures::FixtureServer;
using aotf::http::Client;
using aotf::http::ClientOptions;
using aotf::http::HttpError;
using aotf::http::RetryPolicy;
using aotf::http::testing::RawServer;
using aotf::http::testing::send_all;
using Kind = HttpError::Kind;
using Clock = std::chrono::steady_clock;

RetryPolicy quick_policy(std::vector<int> statuses) {
  RetryPolicy p;
  p.retry_statuses = std::move(statuses);
  p.status_wait_min = 1ms;
  p.status_wait_max = 3ms;
  p.error_wait_min = 1ms;
  p.error_wait_max = 3ms;
  return p;
}

ClientOptions options() {
  ClientOptions o;
  o.connect_timeout = 1s;
  o.read_timeout = 2s;
  return o;
}

TEST(HttpRetryBudget, ListedStatusCostsOneSoFiveTriesThenGivesUp) {
  FixtureServer server;
  server.routes().Get("/art", [](const httplib::Request&, httplib::Response& res) { res.status = 403; });
  Client client(options());
  try {
    (void)client.get_with_budget(server.base_url() + "/art", quick_policy({403}));
    FAIL() << "expected RetriesExhausted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), Kind::RetriesExhausted);
    EXPECT_EQ(e.last_status(), 403);
    EXPECT_NE(std::string(e.what()).find("gave up after 5 tries; last failure: status 403"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.count("/art"), 5U);
}

TEST(HttpRetryBudget, SucceedsWhenTheStatusClears) {
  FixtureServer server;
  std::atomic<int> calls{0};
  server.routes().Get("/art", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls < 3) {
      res.status = 403;
    } else {
      res.set_content("page", "text/html");
    }
  });
  Client client(options());
  const auto response = client.get_with_budget(server.base_url() + "/art", quick_policy({403}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "page");
  EXPECT_EQ(server.count("/art"), 3U);
}

TEST(HttpRetryBudget, UnlistedStatusIsReturnedAtOnce) {
  FixtureServer server;
  server.routes().Get("/gone", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  Client client(options());
  EXPECT_EQ(client.get_with_budget(server.base_url() + "/gone", quick_policy({403})).status, 404);
  EXPECT_EQ(server.count("/gone"), 1U);
}

TEST(HttpRetryBudget, RemoteDisconnectCostsOne) {
  RawServer server([](int, const std::string&) {});  // closes without answering
  Client client(options());
  try {
    (void)client.get_with_budget(server.base_url() + "/", quick_policy({}));
    FAIL() << "expected RetriesExhausted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), Kind::RetriesExhausted);
    EXPECT_EQ(e.last_status(), 0);
    EXPECT_NE(std::string(e.what()).find("closed the connection without answering"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.connections(), 5);
}

TEST(HttpRetryBudget, OtherFailuresCostTwo) {
  RawServer server([](int fd, const std::string&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");  // truncated
  });
  Client client(options());
  try {
    (void)client.get_with_budget(server.base_url() + "/", quick_policy({}));
    FAIL() << "expected RetriesExhausted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), Kind::RetriesExhausted);
    EXPECT_NE(std::string(e.what()).find("50 announced"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.connections(), 3);  // 5 -> 3 -> 1 -> -1
}

TEST(HttpRetryBudget, WaitsAreInterruptedByTheStopPredicate) {
  FixtureServer server;
  server.routes().Get("/art", [](const httplib::Request&, httplib::Response& res) { res.status = 403; });
  Client client(options());
  auto policy = quick_policy({403});
  policy.status_wait_min = 30s;
  policy.status_wait_max = 60s;
  const auto started = Clock::now();
  policy.should_stop = [&] { return Clock::now() - started > 100ms; };
  try {
    (void)client.get_with_budget(server.base_url() + "/art", policy);
    FAIL() << "expected Stopped";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), Kind::Stopped) << e.what();
  }
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_EQ(server.count("/art"), 1U);
}

TEST(HttpRetryBudget, StatusWaitsLastAtLeastTheConfiguredMinimum) {
  FixtureServer server;
  server.routes().Get("/art", [](const httplib::Request&, httplib::Response& res) { res.status = 429; });
  Client client(options());
  auto policy = quick_policy({429});
  policy.budget = 3;  // 3 tries, 2 waits
  policy.status_wait_min = 100ms;
  policy.status_wait_max = 120ms;
  const auto started = Clock::now();
  EXPECT_THROW((void)client.get_with_budget(server.base_url() + "/art", policy), HttpError);
  EXPECT_GE(Clock::now() - started, 200ms);
  EXPECT_EQ(server.count("/art"), 3U);
}

}  // namespace
