#pragma once
// Outbound HTTP(S) for every connector: art sites, social APIs, image hosts.
//
// What a caller may rely on:
// - Every request has a connect timeout and a read timeout; nothing blocks forever.
// - A body is never held beyond max_body_bytes: a Content-Length above the limit is refused
//   before the body is read, a body without Content-Length (chunked, or read to close) is
//   aborted as soon as it crosses the limit.
// - Redirects (301, 302, 303, 307, 308) are followed by the client itself, relative Location
//   headers resolved against the current URL, at most max_redirects hops; Response::url is the
//   final URL. 303 (and 301/302 after a POST) turn the request into a GET without a body.
// - Any status the server answers (404, 429, 500, ...) is a Response, not an error: only failures
//   to get an answer at all throw HttpError. get_with_budget() is the exception: it retries the
//   statuses it was told to retry and throws when its budget is spent.
// - One Client may be used by several threads at once. min_interval_per_host is shared by all
//   of them: two requests to the same scheme://host:port never start closer than that interval.
// - Secrets in headers (Authorization) never appear in error messages.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"

namespace aotf::http {

using namespace std::chrono_literals;

// Request or response headers, in order. Names compare case-insensitively (see find_header).
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive), if present.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::optional<std::string> find_header(const Headers& headers,
                                                                         std::string_view name);

// The User-Agent the original AOTF server sent: Firefox 91 ESR on Windows 10 x64.
inline constexpr std::string_view kDefaultUserAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:91.0) Gecko/20100101 Firefox/91.0";

// 20 MiB, the original's upload/download limit.
inline constexpr std::size_t kDefaultMaxBodyBytes = 20'971'520;

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10s};
  // Longest silence while waiting for the answer or between two chunks of its body.
  std::chrono::milliseconds read_timeout{60s};
  int max_redirects = 5;  // 0: a redirect is returned to the caller as is
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  std::string user_agent{kDefaultUserAgent};
  // Two requests to the same scheme://host:port start at least this far apart (0: no limit).
  std::chrono::milliseconds min_interval_per_host{0};
  // "http://host:port" or empty. https targets go through CONNECT, http ones in absolute form.
  std::string proxy;
  // PEM file of the certificate authorities to trust for https instead of the system store
  // (a private CA, or a test's self-signed certificate). Certificates are always verified.
  std::string ca_cert_file;
};

struct Response {
  int status = 0;
  std::string body;
  std::string url;  // the final URL, after redirects
  Headers headers;

  // The first value of header `name`, case-insensitive.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

// One request. get()/post() are shorthands that build one of these.
struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::string content_type;  // for a body
  // Per-request overrides of the client's options.
  std::optional<std::size_t> max_body_bytes;
  // The download rule of the original: an answer with status 200 and no Content-Length is
  // refused (HttpError::Kind::TooLarge is not right for that, so it is Protocol).
  bool require_content_length = false;
};

class BOOST_SYMBOL_VISIBLE HttpError : public aotf::Error {
public:
  enum class Kind {
    BadUrl,            // not http(s)://host[:port]/..., or an unusable Location header
    Connect,           // DNS, refused, unreachable, TLS handshake, or connect timeout
    Timeout,           // connected, then no answer (or no more body) within read_timeout
    Disconnected,      // the server closed the connection before sending any answer
    TooLarge,          // body above the limit (announced or read)
    TooManyRedirects,  // more than max_redirects hops
    Truncated,         // the connection ended before the announced body was complete
    Protocol,          // an answer that is not HTTP, or breaks a rule the caller asked for
    RetriesExhausted,  // get_with_budget: the budget is spent; what() names the last failure
    Stopped,           // a wait was interrupted by the stop predicate
  };

  HttpError(Kind kind, std::string url, const std::string& message);

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  // For RetriesExhausted: the status of the last answer, 0 when the last try threw.
  [[nodiscard]] int last_status() const noexcept { return last_status_; }
  void set_last_status(int status) noexcept { last_status_ = status; }

private:
  Kind kind_;
  std::string url_;
  int last_status_ = 0;
};

[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(HttpError::Kind kind) noexcept;

// The retry budget of the original Link Finder helper. Each try spends from `budget`:
// - an answer whose status is in retry_statuses costs 1 and waits status_wait (30-60 s);
// - Disconnected (remote end closed without answering) costs 1 and waits error_wait (5-15 s);
// - any other HttpError costs 2 and waits error_wait (5-15 s).
// When the budget reaches 0 or below, HttpError(RetriesExhausted) is thrown. Any other status is
// returned to the caller at once. Waits are uniformly random in [min, max].
struct RetryPolicy {
  int budget = 5;
  std::vector<int> retry_statuses;
  std::chrono::milliseconds status_wait_min{30s};
  std::chrono::milliseconds status_wait_max{60s};
  std::chrono::milliseconds error_wait_min{5s};
  std::chrono::milliseconds error_wait_max{15s};
  // Polled while waiting (every few ms); when it returns true the wait ends with
  // HttpError(Stopped). Empty: never stops.
  std::function<bool()> should_stop;
};

class BOOST_SYMBOL_VISIBLE Client {
public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Throws HttpError when no answer could be obtained; any answered status is returned.
  [[nodiscard]] Response send(const Request& request);
  [[nodiscard]] Response get(const std::string& url, const Headers& headers = {});
  [[nodiscard]] Response post(const std::string& url, std::string body, std::string content_type,
                              const Headers& headers = {});

  // send()/get() with the retry budget described at RetryPolicy.
  [[nodiscard]] Response send_with_budget(const Request& request, const RetryPolicy& policy);
  [[nodiscard]] Response get_with_budget(const std::string& url, const RetryPolicy& policy = {},
                                         const Headers& headers = {});

  [[nodiscard]] const ClientOptions& options() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Waits `duration`, polling should_stop (may be empty) every few milliseconds. Returns false if
// the wait was interrupted. Used for retry waits and rate-limit resets.
[[nodiscard]] BOOST_SYMBOL_VISIBLE bool wait_for(std::chrono::milliseconds duration,
                                                 const std::function<bool()>& should_stop);

// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string url_encode(std::string_view value);

}  // namespace aotf::http
