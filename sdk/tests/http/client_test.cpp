// The outbound client against loopback servers: what a connector sees when an upstream is slow,
// redirects, lies about its body, or talks through a proxy.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "aotf/http/client.hpp"
#include "fixture_server.hpp"
#include "raw_server.hpp"

namespace {

using namespace std::chrono_literals;
using aotf::fixtures::FixtureServer;
using aotf::http::Client;
using aotf::http::ClientOptions;
using aotf::http::HttpError;
using aotf::http::testing::RawServer;
using aotf::http::testing::send_all;
using Kind = HttpError::Kind;
using Clock = std::chrono::steady_clock;

ClientOptions fast_options() {
  ClientOptions o;
  o.connect_timeout = 1s;
  o.read_timeout = 2s;
  return o;
}

// Runs `f`, expects HttpError of `kind`, returns its message.
template <typename F>
std::string expect_error(Kind kind, F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no HttpError of kind " << aotf::http::to_string(kind);
  return {};
}

TEST(HttpClient, SendsTheOriginalUserAgentAndCallerHeaders) {
  FixtureServer server;
  server.routes().Get("/page", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Answer", "42");
    res.set_content("hello", "text/plain");
  });
  Client client(fast_options());
  const auto response = client.get(server.base_url() + "/page?a=1", {{"Referer", "https://www.pixiv.net/"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.url, server.base_url() + "/page?a=1");
  EXPECT_EQ(response.header("x-answer").value_or(""), "42");
  EXPECT_EQ(response.header("CONTENT-TYPE").value_or(""), "text/plain");
  EXPECT_FALSE(response.header("X-Missing"));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].query, "a=1");
  EXPECT_EQ(requests[0].headers.find("User-Agent")->second,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:91.0) Gecko/20100101 Firefox/91.0");
  EXPECT_EQ(requests[0].headers.find("Referer")->second, "https://www.pixiv.net/");
}

TEST(HttpClient, StatusesAreAnswersNotErrors) {
  FixtureServer server;
  server.routes().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("not here", "text/plain");
  });
  Client client(fast_options());
  const auto response = client.get(server.base_url() + "/missing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "not here");
}

TEST(HttpClient, PostsBodyAndContentType) {
  FixtureServer server;
  server.routes().Post("/gate", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_header_value("Content-Type") + "|" + req.body, "text/plain");
  });
  Client client(fast_options());
  const auto response = client.post(server.base_url() + "/gate", R"({"a":1})", "application/json");
  EXPECT_EQ(response.body, R"(application/json|{"a":1})");
}

TEST(HttpClient, FollowsRelativeRedirectsAndReportsTheFinalUrl) {
  FixtureServer server;
  server.routes().Get("/a/start", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "next?x=1");  // relative to /a/
  });
  server.routes().Get("/a/next", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "../b/../final?from=" + req.get_param_value("x"));
  });
  server.routes().Get("/final", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("arrived from " + req.get_param_value("from"), "text/plain");
  });
  Client client(fast_options());
  const auto response = client.get(server.base_url() + "/a/start");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "arrived from 1");
  EXPECT_EQ(response.url, server.base_url() + "/final?from=1");
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(HttpClient, FollowsAbsoluteRedirectToAnotherHostWithoutItsCredentials) {
  FixtureServer other;
  other.routes().Get("/there", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.has_header("Authorization") ? "leaked" : "clean", "text/plain");
  });
  FixtureServer server;
  const std::string target = other.base_url() + "/there";
  server.routes().Get("/go", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", target);
  });
  Client client(fast_options());
  const auto response = client.get(server.base_url() + "/go", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(response.body, "clean");
  EXPECT_EQ(response.url, target);
}

TEST(HttpClient, SeeOtherAfterPostBecomesGet) {
  FixtureServer server;
  server.routes().Post("/form", [](const httplib::Request&, httplib::Response& res) {
    res.status = 303;
    res.set_header("Location", "/result");
  });
  server.routes().Get("/result", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  Client client(fast_options());
  EXPECT_EQ(client.post(server.base_url() + "/form", "a=1", "application/x-www-form-urlencoded").body, "ok");
}

TEST(HttpClient, RedirectLoopStopsAtTheLimit) {
  FixtureServer server;
  server.routes().Get("/loop", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/loop");
  });
  auto options = fast_options();
  options.max_redirects = 3;
  Client client(options);
  const auto message = expect_error(Kind::TooManyRedirects, [&] { (void)client.get(server.base_url() + "/loop"); });
  EXPECT_NE(message.find("more than 3 redirects"), std::string::npos) << message;
  EXPECT_NE(message.find(server.base_url() + "/loop"), std::string::npos) << message;
  EXPECT_EQ(server.count("/loop"), 4U);  // the first request and 3 followed hops
}

TEST(HttpClient, WithoutRedirectsTheCallerSeesThe3xx) {
  FixtureServer server;
  server.routes().Get("/moved", [](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "/elsewhere");
  });
  auto options = fast_options();
  options.max_redirects = 0;
  Client client(options);
  const auto response = client.get(server.base_url() + "/moved");
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(response.header("Location").value_or(""), "/elsewhere");
  EXPECT_EQ(server.requests().size(), 1U);
}

TEST(HttpClient, AnnouncedBodyAboveTheLimitIsRefusedBeforeReading) {
  // The server announces 1 GB and sends 10 bytes then waits: a client that read before
  // checking would stall until its read timeout.
  RawServer server([](int fd, const std::string&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n0123456789");
    std::this_thread::sleep_for(1500ms);
  });
  auto options = fast_options();
  options.max_body_bytes = 1000;
  Client client(options);
  const auto started = Clock::now();
  const auto message = expect_error(Kind::TooLarge, [&] { (void)client.get(server.base_url() + "/big.jpg"); });
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_NE(message.find("Content-Length 1000000000"), std::string::npos) << message;
  EXPECT_NE(message.find("/big.jpg"), std::string::npos) << message;
}

TEST(HttpClient, ChunkedBodyIsAbortedAtTheLimit) {
  FixtureServer server;
  std::atomic<std::size_t> served{0};
  server.routes().Get("/endless", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/octet-stream", [&](std::size_t, httplib::DataSink& sink) {
      const std::string chunk(16 * 1024, 'x');
      if (served > (64U << 20)) return false;  // a safety net: 64 MiB, far above the limit
      served += chunk.size();
      return sink.write(chunk.data(), chunk.size());
    });
  });
  auto options = fast_options();
  options.max_body_bytes = 100'000;
  Client client(options);
  const auto message = expect_error(Kind::TooLarge, [&] { (void)client.get(server.base_url() + "/endless"); });
  EXPECT_NE(message.find("more than 100000 bytes"), std::string::npos) << message;
  EXPECT_LT(served.load(), std::size_t{32} << 20);  // stopped long before the safety net
}

TEST(HttpClient, BodyAtTheLimitIsAccepted) {
  FixtureServer server;
  server.routes().Get("/exact", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(1000, 'y'), "application/octet-stream");
  });
  auto options = fast_options();
  options.max_body_bytes = 1000;
  Client client(options);
  EXPECT_EQ(client.get(server.base_url() + "/exact").body.size(), 1000U);
}

TEST(HttpClient, DownloadsCanRequireContentLength) {
  FixtureServer server;
  server.routes().Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("image/jpeg", [](std::size_t, httplib::DataSink& sink) {
      sink.write("abc", 3);
      sink.done();
      return true;
    });
  });
  Client client(fast_options());
  aotf::http::Request request;
  request.url = server.base_url() + "/chunked";
  EXPECT_EQ(client.send(request).body, "abc");
  request.require_content_length = true;
  const auto message = expect_error(Kind::Protocol, [&] { (void)client.send(request); });
  EXPECT_NE(message.find("no Content-Length"), std::string::npos) << message;
}

TEST(HttpClient, BodyShorterThanAnnouncedIsTruncated) {
  RawServer server([](int fd, const std::string&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
  });
  Client client(fast_options());
  const auto message = expect_error(Kind::Truncated, [&] { (void)client.get(server.base_url() + "/img.png"); });
  EXPECT_NE(message.find("/img.png"), std::string::npos) << message;
  EXPECT_NE(message.find("100 announced"), std::string::npos) << message;
}

TEST(HttpClient, ServerClosingWithoutAnsweringIsDisconnected) {
  RawServer server([](int, const std::string&) {});
  Client client(fast_options());
  expect_error(Kind::Disconnected, [&] { (void)client.get(server.base_url() + "/"); });
}

TEST(HttpClient, SilentServerHitsTheReadTimeout) {
  FixtureServer server;
  server.routes().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("late", "text/plain");
  });
  auto options = fast_options();
  options.read_timeout = 300ms;
  Client client(options);
  const auto started = Clock::now();
  const auto message = expect_error(Kind::Timeout, [&] { (void)client.get(server.base_url() + "/slow"); });
  const auto elapsed = Clock::now() - started;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 1200ms);
  EXPECT_NE(message.find("no answer within 300 ms"), std::string::npos) << message;
}

TEST(HttpClient, RefusedConnectionIsConnect) {
  int port = 0;
  {
    RawServer closed([](int, const std::string&) {});
    port = closed.port();
  }  // nobody listens there any more
  Client client(fast_options());
  const auto url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  const auto message = expect_error(Kind::Connect, [&] { (void)client.get(url); });
  EXPECT_NE(message.find(url), std::string::npos) << message;
}

TEST(HttpClient, ConnectTimeoutWhenTheBacklogIsFull) {
  // A listening socket that never accepts, its backlog filled: the kernel drops further SYNs.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(50ms);
  auto options = fast_options();
  options.connect_timeout = 300ms;
  Client client(options);
  const auto started = Clock::now();
  const auto message = expect_error(Kind::Connect, [&] {
    (void)client.get("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/");
  });
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_NE(message.find("within 300 ms"), std::string::npos) << message;
  for (const int fd : fillers) ::close(fd);
  ::close(listener);
}

TEST(HttpClient, BadUrlsNameTheUrlAndTheProblem) {
  Client client(fast_options());
  EXPECT_NE(expect_error(Kind::BadUrl, [&] { (void)client.get("ftp://example.invalid/x"); }).find("\"ftp\" is not http"),
            std::string::npos);
  EXPECT_NE(expect_error(Kind::BadUrl, [&] { (void)client.get("www.example.invalid/x"); }).find("www.example.invalid/x"),
            std::string::npos);
  EXPECT_NE(expect_error(Kind::BadUrl, [&] { (void)client.get("http://127.0.0.1:99999/"); }).find("99999"),
            std::string::npos);
  expect_error(Kind::BadUrl, [&] { (void)client.get("http:///path"); });
  EXPECT_THROW(Client({.proxy = "socks5://127.0.0.1:1"}), HttpError);
}

TEST(HttpClient, UnsafeUrlCharactersAreEscaped) {
  FixtureServer server;
  server.routes().Get("/a b", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.get_param_value("q"), "text/plain");
  });
  Client client(fast_options());
  const auto response = client.get(server.base_url() + "/a b?q=x y");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "x y");
  EXPECT_EQ(server.requests().at(0).target, "/a%20b?q=x%20y");
}

TEST(HttpClient, PerHostIntervalIsSharedByThreads) {
  FixtureServer server;
  std::mutex mutex;
  std::vector<Clock::time_point> arrivals;
  server.routes().Get("/tick", [&](const httplib::Request&, httplib::Response& res) {
    {
      std::lock_guard lock(mutex);
      arrivals.push_back(Clock::now());
    }
    res.set_content("t", "text/plain");
  });
  FixtureServer other;
  other.routes().Get("/free", [](const httplib::Request&, httplib::Response& res) { res.set_content("f", "text/plain"); });

  auto options = fast_options();
  options.min_interval_per_host = 500ms;
  Client client(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2; ++i) EXPECT_EQ(client.get(server.base_url() + "/tick").status, 200);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(arrivals.size(), 4U);
  std::sort(arrivals.begin(), arrivals.end());
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_GE(arrivals[i] - arrivals[i - 1], 480ms) << "requests " << i - 1 << " and " << i;
  }
  // Another host has its own slot: not delayed by the queue above (a shared slot would wait
  // 500 ms here; the margin is for a loaded machine).
  const auto started = Clock::now();
  EXPECT_EQ(client.get(other.base_url() + "/free").status, 200);
  EXPECT_LT(Clock::now() - started, 300ms);
}

TEST(HttpClient, PlainHttpGoesThroughTheProxyInAbsoluteForm) {
  FixtureServer origin;
  origin.routes().Get("/via", [](const httplib::Request&, httplib::Response& res) { res.set_content("from origin", "text/plain"); });
  // The proxy: records the request line and forwards to the origin named in it.
  RawServer proxy([](int fd, const std::string& head) {
    const auto line_end = head.find("\r\n");
    const auto first = head.find(' ');
    const auto second = head.find(' ', first + 1);
    if (line_end == std::string::npos || second == std::string::npos) return;
    const std::string target = head.substr(first + 1, second - first - 1);
    const auto path_start = target.find('/', target.find("://") + 3);
    httplib::Client upstream(target.substr(0, path_start));
    const auto answer = upstream.Get(target.substr(path_start).c_str());
    const std::string body = answer ? answer->body : "proxy could not reach " + target;
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  });
  auto options = fast_options();
  options.proxy = proxy.base_url();
  Client client(options);
  const auto response = client.get(origin.base_url() + "/via?x=1");
  EXPECT_EQ(response.body, "from origin");
  ASSERT_EQ(proxy.heads().size(), 1U);
  const std::string head = proxy.heads()[0];
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "GET " + origin.base_url() + "/via?x=1 HTTP/1.1");
  EXPECT_EQ(origin.count("/via"), 1U);
}

}  // namespace
