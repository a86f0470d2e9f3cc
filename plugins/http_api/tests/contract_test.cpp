// The HTTP API contract, endpoint by endpoint and status by status, against a real aotfd that
// runs the http_server stage. No pipeline stage runs here, so a new request stays
// WAIT_LINK_FINDER (or WAIT_IMAGE_REVERSE_SEARCH for an upload): enough to check every answer a
// client can get from the API itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

#include "daemon_harness.hpp"

namespace aotf::test {
namespace {

using nlohmann::json;

// An aotfd whose http_api listens on a kernel-chosen loopback port.
class ApiDaemon {
public:
  ApiDaemon(const std::string& name, const std::string& http_keys = "", bool multiprocessing = false)
      : daemon_(name, multiprocessing, "[plugins.http_api]\nport = 0\n" + http_keys) {}

  // Starts the daemon and waits for <data_dir>/http_port.
  void start() {
    ASSERT_TRUE(daemon_.start()) << daemon_.log();
    const fs::path file = daemon_.dir() / "data" / "http_port";
    ASSERT_TRUE(eventually([&] {
      std::ifstream in(file);
      return static_cast<bool>(in >> port_) && port_ > 0;
    }, 30s)) << daemon_.log();
  }

  [[nodiscard]] std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(20, 0);
    c->set_connection_timeout(5, 0);
    return c;
  }
  // A GET (or POST with a body) seen as coming from `address` through the trusted loopback peer.
  httplib::Result get(const std::string& path, const std::string& address = "") const {
    httplib::Headers headers;
    if (!address.empty()) headers.emplace("X-Forwarded-For", address);
    return client()->Get(path.c_str(), headers);
  }
  httplib::Result post(const std::string& path, const std::string& body, const std::string& address = "",
                       const std::string& type = "text/plain") const {
    httplib::Headers headers;
    if (!address.empty()) headers.emplace("X-Forwarded-For", address);
    return client()->Post(path.c_str(), headers, body, type.c_str());
  }

  [[nodiscard]] int port() const { return port_; }
  Daemon& daemon() { return daemon_; }

private:
  Daemon daemon_;
  int port_ = 0;
};

// Every test speaks from its own addresses (through X-Forwarded-For from the trusted loopback
// peer) so the one-request-per-second limit only bites where a test wants it to.
std::string address(int n) { return "10.20." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1); }

json parse(const httplib::Result& result) {
  EXPECT_TRUE(result) << "no answer";
  if (!result) return json();
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json; charset=utf-8") << result->body;
  return json::parse(result->body, nullptr, /*allow_exceptions=*/false);
}

// The shape of reference 11.3: every field always present, with its type.
void expect_request_shape(const json& body) {
  ASSERT_TRUE(body.is_object()) << body;
  for (const char* key : {"status", "has_first_time_scan", "twitter_accounts", "results", "error"}) {
    EXPECT_TRUE(body.contains(key)) << key << " missing in " << body;
  }
  EXPECT_TRUE(body["status"].is_null() || body["status"].is_string()) << body;
  EXPECT_TRUE(body["has_first_time_scan"].is_boolean()) << body;
  EXPECT_TRUE(body["twitter_accounts"].is_array()) << body;
  EXPECT_TRUE(body["results"].is_array()) << body;
  EXPECT_TRUE(body["error"].is_null() || body["error"].is_string()) << body;
}

void expect_error(const httplib::Result& result, const std::string& code) {
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json body = parse(result);
  expect_request_shape(body);
  EXPECT_TRUE(body["status"].is_null()) << body;
  EXPECT_EQ(body["error"], code) << body;
  EXPECT_EQ(body["twitter_accounts"], json::array());
  EXPECT_EQ(body["results"], json::array());
}

// Sends raw bytes on a new loopback connection; returns the socket.
int raw_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}
void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed: fine for the callers, who check what came back
    sent += static_cast<std::size_t>(n);
  }
}
// What the server sends back before it closes or stays silent for 20 s.
std::string receive_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos && out.find("Connection: close") == std::string::npos &&
        out.find("Content-Length") != std::string::npos) {
      break;
    }
  }
  return out;
}

// ---- / and unknown paths ---------------------------------------------------------------------

TEST(HttpApiContract, RootAnswersTheNameAsTextWithTheOriginalsHeaders) {
  ApiDaemon api("http_root");
  api.start();
  const auto result = api.get("/", address(1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(result->get_header_value("Server"), "Artists on Twitter Finder");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(result->body.find("Artists on Twitter Finder"), std::string::npos) << result->body;
}

TEST(HttpApiContract, UnknownPathsAnswer404TextOnGetAndPost) {
  ApiDaemon api("http_404");
  api.start();
  auto result = api.get("/no/such/page", address(1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, "404 Not Found");
  EXPECT_EQ(result->get_header_value("Server"), "Artists on Twitter Finder");
  result = api.post("/nothing", "x", address(2));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, "404 Not Found");
}

TEST(HttpApiContract, OptionsAnswersTheAllowedMethodsAndHeadHasNoBody) {
  ApiDaemon api("http_options");
  api.start();
  auto result = api.client()->Options("/query");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Allow"), "GET, POST, HEAD, OPTIONS");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Methods"), "GET, POST, HEAD, OPTIONS");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Headers"), "Content-Type");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"), "*");
  // OPTIONS is a browser's preflight: it must not use up the next request's rate-limit slot.
  result = api.get("/", "");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);

  result = api.client()->Head("/config");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty()) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json; charset=utf-8");
}

// ---- /query ----------------------------------------------------------------------------------

TEST(HttpApiContract, QueryWithoutUrlAnswersNoUrlField) {
  ApiDaemon api("http_nourl");
  api.start();
  expect_error(api.get("/query", address(1)), "NO_URL_FIELD");  // what the original's own client probes
  expect_error(api.post("/query", "", address(2)), "NO_URL_FIELD");
  expect_error(api.get("/query?url=", address(3)), "NO_URL_FIELD");
}

TEST(HttpApiContract, QueryCreatesTheRequestOnceAndReturnsItAgain) {
  ApiDaemon api("http_query");
  api.start();
  const std::string url = "https://www.deviantart.com/artist/art/title-123";
  auto result = api.get(std::string("/query?url=") + "https%3A%2F%2Fwww.deviantart.com%2Fartist%2Fart%2Ftitle-123", address(1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  json body = parse(result);
  expect_request_shape(body);
  EXPECT_EQ(body["status"], "WAIT_LINK_FINDER") << body;
  EXPECT_TRUE(body["error"].is_null());
  EXPECT_EQ(body["has_first_time_scan"], false);

  // The same URL by POST from another address: the same request, not a second one.
  result = api.post("/query", url, address(2));
  body = parse(result);
  EXPECT_EQ(body["status"], "WAIT_LINK_FINDER") << body;
  const json stats = parse(api.get("/stats"));
  EXPECT_EQ(stats["processing_user_requests_count"], 1) << stats;
}

TEST(HttpApiContract, QueryRefusesUrlsOverTheLengthLimitInCharacters) {
  ApiDaemon api("http_toolong");
  api.start();
  const std::string base = "https://example.com/";
  const std::string exactly_256 = base + std::string(256 - base.size(), 'a');
  const std::string over = exactly_256 + "a";
  expect_error(api.get("/query?url=" + over, address(1)), "URL_TOO_LONG");
  expect_error(api.post("/query", over, address(2)), "URL_TOO_LONG");
  EXPECT_EQ(parse(api.get("/query?url=" + exactly_256, address(3)))["status"], "WAIT_LINK_FINDER");
  // 256 characters of two bytes each are 256 characters, not 512.
  std::string accented = base;
  while (accented.size() < base.size() + 2 * (256 - base.size())) accented += "\xc3\xa9";
  EXPECT_EQ(parse(api.post("/query", accented, address(4)))["status"], "WAIT_LINK_FINDER");
  // A body over 1024 bytes is refused as too long whatever it holds.
  expect_error(api.post("/query", std::string(1025, 'a'), address(5)), "URL_TOO_LONG");
}

TEST(HttpApiContract, QueryWithANonUtf8BodyAnswersNotAnUrl) {
  ApiDaemon api("http_utf8");
  api.start();
  expect_error(api.post("/query", "https://example.com/\xff\xfe", address(1)), "NOT_AN_URL");
  expect_error(api.post("/query", "https://example.com/\xc0\xaf", address(2)), "NOT_AN_URL");  // overlong '/'
  expect_error(api.get("/query?url=https%3A%2F%2Fexample.com%2F%FF", address(3)), "NOT_AN_URL");
}

TEST(HttpApiContract, EleventhUnfinishedRequestOfAnAddressIsRefusedUnlessItIsUnlimited) {
  ApiDaemon api("http_perip", "rate_limit_interval_ms = 0\nunlimited_ip_addresses = [\"192.0.2.50\"]\n");
  api.start();
  const std::string limited = "10.7.7.7";
  for (int i = 0; i < 10; ++i) {
    const json body = parse(api.post("/query", "https://example.com/art/" + std::to_string(i), limited));
    ASSERT_EQ(body["status"], "WAIT_LINK_FINDER") << i << " " << body;
  }
  expect_error(api.post("/query", "https://example.com/art/10", limited), "YOUR_IP_HAS_MAX_PROCESSING_REQUESTS");
  // The limit applies when creating: a request that exists is still returned.
  EXPECT_EQ(parse(api.post("/query", "https://example.com/art/3", limited))["status"], "WAIT_LINK_FINDER");
  // Another address is not affected; an unlimited one is never refused.
  EXPECT_EQ(parse(api.post("/query", "https://example.com/art/other", "10.7.7.8"))["status"], "WAIT_LINK_FINDER");
  for (int i = 0; i < 12; ++i) {
    const json body = parse(api.post("/query", "https://example.com/free/" + std::to_string(i), "192.0.2.50"));
    ASSERT_EQ(body["status"], "WAIT_LINK_FINDER") << i << " " << body;
  }
}

TEST(HttpApiContract, ARequestTheCollectorFailedAnswersEndWithProcessingErrorEveryTime) {
  ApiDaemon api("http_failed", "rate_limit_interval_ms = 0\n");
  api.start();
  const std::string url = "https://example.com/art/failing";
  ASSERT_EQ(parse(api.post("/query", url))["status"], "WAIT_LINK_FINDER");
  // A worker declares the request and throws: the error collector ends it with PROCESSING_ERROR.
  auto segment = shm::Segment::attach(api.daemon().instance());
  const auto request = shm::UserRequests(*segment).get(url);
  ASSERT_TRUE(request);
  std::ofstream(api.daemon().dir() / "data" / "faults" / "fault_worker_th1.request")
      << "user " << request->ref.slot << " " << request->ref.generation << "\n";
  api.daemon().inject("fault_worker_th1", "throw_declared");
  json body;
  ASSERT_TRUE(eventually([&] {
    body = parse(api.get("/query?url=" + url));
    return body["status"] == "END";
  }, 30s)) << body << api.daemon().log();
  expect_request_shape(body);
  EXPECT_EQ(body["error"], "PROCESSING_ERROR");
  // Asked again (the finished request's answer is kept), by GET and by POST: the same answer.
  EXPECT_EQ(parse(api.get("/query?url=" + url)), body);
  EXPECT_EQ(parse(api.post("/query", url)), body);
  EXPECT_EQ(parse(api.get("/stats"))["processing_user_requests_count"], 0);
}

// ---- rate limit ------------------------------------------------------------------------------

TEST(HttpApiContract, SecondRequestWithinASecondFromOneAddressGets429ButStatsAndConfigNever) {
  // 3 s instead of 1 s, so a loaded machine cannot space two requests past the interval.
  ApiDaemon api("http_ratelimit", "advanced_ip_addresses = []\nrate_limit_interval_ms = 3000\n");
  api.start();
  const std::string who = address(9);
  ASSERT_EQ(api.get("/", who)->status, 200);
  for (const char* path : {"/", "/query?url=https://example.com/x", "/missing", "/search"}) {
    const auto result = api.get(path, who);
    ASSERT_TRUE(result);
    // /search answers 429 before it would answer 403 to this non-advanced address.
    EXPECT_EQ(result->status, 429) << path;
    EXPECT_EQ(result->body, "429 Too Many Requests") << path;
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(api.get("/stats", who)->status, 200);
    EXPECT_EQ(api.get("/config", who)->status, 200);
  }
  // Refusals do not push the next slot back: once the interval passed the address is served again.
  EXPECT_TRUE(eventually([&] { return api.get("/", who)->status == 200; }, 20s));
  // Another address was never limited.
  EXPECT_EQ(api.get("/", address(10))->status, 200);
}

// ---- client address --------------------------------------------------------------------------

TEST(HttpApiContract, ForwardedForFromATrustedPeerNamesTheClient) {
  ApiDaemon api("http_xff_trusted",
                "advanced_ip_addresses = [\"192.0.2.1\"]\nunlimited_ip_addresses = []\nrate_limit_interval_ms = 30000\n");
  api.start();
  EXPECT_EQ(parse(api.get("/config", "192.0.2.1"))["ip_can_use_advanced"], true);
  EXPECT_EQ(parse(api.get("/config"))["ip_can_use_advanced"], false);  // the peer itself, 127.0.0.1
  // The client can write what it wants on the left; the right-most untrusted entry counts.
  EXPECT_EQ(parse(api.get("/config", "192.0.2.1, 10.1.1.1"))["ip_can_use_advanced"], false);
  EXPECT_EQ(parse(api.get("/config", "10.1.1.1, 192.0.2.1"))["ip_can_use_advanced"], true);
  // A trusted proxy in the chain is skipped.
  EXPECT_EQ(parse(api.get("/config", "192.0.2.1, 127.0.0.1"))["ip_can_use_advanced"], true);
  // Distinct forwarded addresses are rate limited separately.
  EXPECT_EQ(api.get("/", "10.3.3.1")->status, 200);
  EXPECT_EQ(api.get("/", "10.3.3.2")->status, 200);
  EXPECT_EQ(api.get("/", "10.3.3.1")->status, 429);
}

TEST(HttpApiContract, ForwardedForFromAnUntrustedPeerIsIgnored) {
  ApiDaemon api("http_xff_untrusted",
                "listen_address = \"127.0.0.1\"\ntrusted_proxies = [\"::1\"]\n"
                "advanced_ip_addresses = [\"192.0.2.1\"]\nunlimited_ip_addresses = []\nrate_limit_interval_ms = 30000\n");
  api.start();
  EXPECT_EQ(parse(api.get("/config", "192.0.2.1"))["ip_can_use_advanced"], false);
  // Every request counts for the peer, whatever the header says.
  EXPECT_EQ(api.get("/", "10.3.3.1")->status, 200);
  EXPECT_EQ(api.get("/", "10.3.3.2")->status, 429);
}

// ---- /search ---------------------------------------------------------------------------------

TEST(HttpApiContract, SearchIsForbiddenToAddressesThatAreNotAdvanced) {
  ApiDaemon api("http_search403");
  api.start();
  for (const auto& result : {api.get("/search?identifier=00", address(1)), api.post("/search", "x", address(2))}) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 403);
    EXPECT_EQ(result->body, "403 Forbidden");
  }
}

TEST(HttpApiContract, SearchAnswersEachOfItsErrors) {
  ApiDaemon api("http_search_errors", "advanced_ip_addresses = [\"127.0.0.1\", \"192.0.2.1\", \"192.0.2.2\", "
                                      "\"192.0.2.3\", \"192.0.2.4\"]\nmax_body_bytes = 100000\n");
  api.start();
  auto expect = [](const httplib::Result& result, const std::string& code) {
    expect_error(result, code);
    if (result) {
      const json body = json::parse(result->body, nullptr, false);
      EXPECT_TRUE(body.contains("identifier") && body["identifier"].is_null()) << body;
    }
  };
  expect(api.get("/search", "192.0.2.1"), "IDENTIFIER_MISSING");
  expect(api.post("/search", "", "192.0.2.2", "application/octet-stream"), "IMAGE_MISSING");
  expect(api.get("/search?identifier=0123456789abcdef0123456789abcdef", "192.0.2.3"), "NO_SUCH_REQUEST");
  expect(api.get("/search?identifier=../../etc/passwd", "192.0.2.4"), "NO_SUCH_REQUEST");
  // One byte over the limit is read and refused; far over it is refused from its Content-Length.
  EXPECT_TRUE(eventually([&] {
    const auto r = api.post("/search", std::string(100001, 'i'), "192.0.2.1", "application/octet-stream");
    return r && r->status != 429;
  }, 10s));
  EXPECT_TRUE(eventually([&] {
    const auto r = api.post("/search", std::string(100001, 'i'), "192.0.2.2", "application/octet-stream");
    if (!r || r->status == 429) return false;
    expect_error(r, "QUERY_IMAGE_TOO_BIG");
    return true;
  }, 10s));
  EXPECT_TRUE(eventually([&] {
    const auto r = api.post("/search", std::string(3'000'000, 'i'), "192.0.2.3", "application/octet-stream");
    if (!r || r->status == 429) return false;
    expect_error(r, "QUERY_IMAGE_TOO_BIG");
    return true;
  }, 10s));
  // Nothing was stored for the refused uploads.
  const fs::path uploads = api.daemon().dir() / "data" / "uploads";
  EXPECT_TRUE(!fs::exists(uploads) || fs::is_empty(uploads));
}

TEST(HttpApiContract, SearchStoresTheUploadAndFindsItAgainByIdentifier) {
  ApiDaemon api("http_search_upload");
  api.start();
  const std::string image = "\x89PNG\r\n\x1a\nnot really an image, step 3 judges that";
  auto result = api.post("/search?account_name=some_artist", image, "", "application/octet-stream");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  json body = parse(result);
  expect_request_shape(body);
  ASSERT_TRUE(body["identifier"].is_string()) << body;
  const std::string identifier = body["identifier"];
  EXPECT_TRUE(std::regex_match(identifier, std::regex("[0-9a-f]{32}"))) << identifier;
  EXPECT_EQ(body["status"], "WAIT_IMAGE_REVERSE_SEARCH") << body;
  EXPECT_TRUE(body["error"].is_null());
  // The named account of a direct request shows account_id "None", as the original did.
  ASSERT_EQ(body["twitter_accounts"].size(), 1u) << body;
  EXPECT_EQ(body["twitter_accounts"][0]["account_name"], "some_artist");
  EXPECT_EQ(body["twitter_accounts"][0]["account_id"], "None");

  // The bytes are where step 3 reads them, in a folder only the daemon's user can open.
  const fs::path uploads = api.daemon().dir() / "data" / "uploads";
  EXPECT_EQ(Daemon::read(uploads / identifier), image);
  struct stat st {};
  ASSERT_EQ(::stat(uploads.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  EXPECT_TRUE(eventually([&] {
    result = api.get("/search?identifier=" + identifier);
    return result && result->status == 200;
  }, 10s));
  body = parse(result);
  EXPECT_EQ(body["identifier"], identifier);
  EXPECT_EQ(body["status"], "WAIT_IMAGE_REVERSE_SEARCH") << body;
}

// ---- /stats, /config, /health, /metrics ------------------------------------------------------

TEST(HttpApiContract, StatsAndConfigAnswerEveryField) {
  ApiDaemon api("http_stats", "stats_cache_s = 0\nupdate_accounts_frequency_days = 12\nlimit_per_ip_address = 7\n");
  api.start();
  json stats = parse(api.get("/stats"));
  for (const char* key : {"indexed_tweets_count", "indexed_accounts_count", "processing_user_requests_count",
                          "processing_scan_requests_count", "pending_tweets_count"}) {
    ASSERT_TRUE(stats.contains(key) && stats[key].is_number_integer()) << key << " in " << stats;
    EXPECT_EQ(stats[key], 0) << key;
  }
  ASSERT_EQ(parse(api.post("/query", "https://example.com/a", address(1)))["status"], "WAIT_LINK_FINDER");
  EXPECT_EQ(parse(api.get("/stats"))["processing_user_requests_count"], 1);

  const json config = parse(api.get("/config", address(2)));
  EXPECT_EQ(config, json::parse(R"({"limit_per_ip_address": 7, "ip_can_bypass_limit": false,
      "ip_can_use_advanced": false, "update_accounts_frequency": 12, "max_illust_url_size": 256})"));
  const json local = parse(api.get("/config"));
  EXPECT_EQ(local["ip_can_bypass_limit"], true);
  EXPECT_EQ(local["ip_can_use_advanced"], true);
}

TEST(HttpApiContract, StatsAreCachedForStatsCacheSeconds) {
  ApiDaemon api("http_stats_cache", "stats_cache_s = 3600\n");
  api.start();
  EXPECT_EQ(parse(api.get("/stats"))["processing_user_requests_count"], 0);
  ASSERT_EQ(parse(api.post("/query", "https://example.com/a", address(1)))["status"], "WAIT_LINK_FINDER");
  EXPECT_EQ(parse(api.get("/stats"))["processing_user_requests_count"], 0);  // the cached answer
}

TEST(HttpApiContract, HealthReportsTheDatabaseAndQuarantinedContainers) {
  ApiDaemon api("http_health");
  api.start();
  const auto result = api.get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  const json body = parse(result);
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["database"]["reachable"], true);
  EXPECT_EQ(body["quarantined_containers"], json::array());
}

TEST(HttpApiContract, HealthAnswers503WhenTheDatabaseCannotBeOpened) {
  ApiDaemon api("http_health_nodb");
  // The database file is a folder: nothing can open it.
  std::ofstream(api.daemon().config(), std::ios::app) << "[database]\nfile = \""
                                                       << (api.daemon().dir() / "data" / "not_a_file").string() << "\"\n";
  fs::create_directories(api.daemon().dir() / "data" / "not_a_file");
  api.start();
  const auto result = api.get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503) << result->body;
  const json body = parse(result);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["database"]["reachable"], false);
  EXPECT_TRUE(body["database"]["error"].is_string());
}

TEST(HttpApiContract, MetricsAreParseablePrometheusText) {
  ApiDaemon api("http_metrics");
  api.start();
  ASSERT_EQ(parse(api.post("/query", "https://example.com/a", address(1)))["status"], "WAIT_LINK_FINDER");
  // The faults plugin's workers record timing series the daemon exports.
  ASSERT_TRUE(eventually([&] { return api.daemon().ctl("metrics").find("beat.") != std::string::npos; }));
  const auto result = api.get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream lines(result->body);
  std::set<std::string> seen;
  int samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    seen.insert(line.substr(0, line.find(' ')));
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_TRUE(seen.count("aotfd_user_queue_size{step=\"1\"}"));
  EXPECT_NE(result->body.find("aotfd_user_queue_size{step=\"1\"} 1\n"), std::string::npos) << result->body;
  EXPECT_NE(result->body.find("aotfd_processing_requests{kind=\"user\"} 1\n"), std::string::npos);
  EXPECT_NE(result->body.find("aotfd_user_requests{kind=\"user\",status=\"WAIT_LINK_FINDER\",error=\"\"} 1\n"),
            std::string::npos);
  EXPECT_NE(result->body.find("aotfd_stage_seconds_count{series=\"beat.fault_worker_th1\"}"), std::string::npos);
  EXPECT_TRUE(seen.count("aotfd_segment_refusals_total"));
}

// ---- the web page ----------------------------------------------------------------------------

TEST(HttpApiContract, WebPageIsServedUnderApp) {
  ApiDaemon api("http_web");
  api.start();
  auto result = api.get("/app/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(result->body.find("<form id=\"query-form\""), std::string::npos);
  // Its files load together without tripping the rate limit.
  for (const char* file : {"/app/app.js", "/app/style.css", "/app/index.html"}) {
    result = api.get(file);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << file;
  }
  EXPECT_EQ(api.get("/app/../aotfd.toml", address(1))->status, 404);
  EXPECT_EQ(api.get("/app/nothing.js", address(2))->status, 404);
}

// ---- malformed requests ----------------------------------------------------------------------

TEST(HttpApiContract, MalformedRequestsGet4xxOrAClosedConnectionAndTheServerGoesOn) {
  ApiDaemon api("http_malformed");
  api.start();
  const auto status_of = [](const std::string& answer) {
    return answer.starts_with("HTTP/1.1 ") ? std::stoi(answer.substr(9, 3)) : 0;  // 0: closed without answer
  };
  {
    const int fd = raw_connect(api.port());
    send_all(fd, std::string("\x16\x03\x01\x00\xff garbage \x00\x01\r\n\r\n", 22));
    const int status = status_of(receive_all(fd));
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << status;
    ::close(fd);
  }
  {
    const int fd = raw_connect(api.port());
    send_all(fd, "GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100'000, 'a') + "\r\n\r\n");
    const int status = status_of(receive_all(fd));
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << status;
    ::close(fd);
  }
  {
    // A body shorter than its Content-Length, then the client goes away.
    const int fd = raw_connect(api.port());
    send_all(fd, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nhttps://exa");
    ::shutdown(fd, SHUT_WR);
    const int status = status_of(receive_all(fd));
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << status;
    ::close(fd);
  }
  {
    const int fd = raw_connect(api.port());
    send_all(fd, "GET /query?url=%zz%ff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.9.9\r\n\r\n");
    const std::string answer = receive_all(fd);
    const int status = status_of(answer);
    EXPECT_TRUE(status == 200 || (status >= 400 && status < 500)) << answer;
    ::close(fd);
  }
  const auto result = api.get("/stats");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(api.daemon().alive());
}

TEST(HttpApiContract, ASlowClientDoesNotStopTheServerAnsweringOthersNorItsStop) {
  ApiDaemon api("http_slowloris");
  api.start();
  const int slow = raw_connect(api.port());
  ASSERT_GE(slow, 0);
  const std::string request = "GET /stats HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n";
  std::atomic<bool> done{false};
  std::thread slowloris([&] {
    for (std::size_t i = 0; i < request.size() && !done; ++i) {
      send_all(slow, request.substr(i, 1));
      std::this_thread::sleep_for(1s);
    }
  });
  // Meanwhile others are served, several times over.
  for (int i = 0; i < 5; ++i) {
    const auto result = api.get("/config", address(i));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    std::this_thread::sleep_for(300ms);
  }
  // And the daemon stops in time even though the slow client still holds its connection.
  api.daemon().signal(SIGTERM);
  EXPECT_EQ(api.daemon().wait_exit(30s), 0) << api.daemon().log();
  done = true;
  slowloris.join();
  ::close(slow);
}

TEST(HttpApiContract, APortAnotherDaemonHoldsIsAClearErrorNotASharedSocket) {
  ApiDaemon first("http_port_first");
  first.start();
  Daemon second("http_port_second", false, "[plugins.http_api]\nport = " + std::to_string(first.port()) + "\n");
  ASSERT_TRUE(second.start()) << second.log();
  const std::string expected = "cannot listen on 127.0.0.1:" + std::to_string(first.port());
  EXPECT_TRUE(eventually([&] { return second.error_log("http_server").find(expected) != std::string::npos; }))
      << second.log();
  // Every connection still reaches the first daemon.
  for (int i = 0; i < 10; ++i) {
    const auto result = first.get("/stats");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
  }
}

// ---- the same API from a container process ---------------------------------------------------

TEST(HttpApiContract, ServesFromAContainerProcessWithMultiprocessing) {
  ApiDaemon api("http_mp", "", /*multiprocessing=*/true);
  api.start();
  EXPECT_EQ(parse(api.post("/query", "https://example.com/mp", address(1)))["status"], "WAIT_LINK_FINDER");
  const auto result = api.get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(parse(api.get("/stats"))["processing_user_requests_count"], 1);
  EXPECT_NE(api.daemon().ctl("threads").find("http_server_th1"), std::string::npos);
}

}  // namespace
}  // namespace aotf::test
