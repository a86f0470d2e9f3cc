#include "aotf/http/client.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "url.hpp"

namespace aotf::http {

namespace {

using Clock = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string ms_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct ProxyAddress {
  std::string host;
  int port = 0;
};

ProxyAddress parse_proxy(const std::string& proxy) {
  if (proxy.empty()) return {};
  const detail::Url url = [&] {
    try {
      return detail::parse_url(proxy);
    } catch (const HttpError&) {
      throw HttpError(HttpError::Kind::BadUrl, proxy, "bad proxy \"" + proxy + "\": expected http://host:port");
    }
  }();
  if (url.scheme != "http" || url.target != "/") {
    throw HttpError(HttpError::Kind::BadUrl, proxy, "bad proxy \"" + proxy + "\": expected http://host:port");
  }
  return {url.host, url.port};
}

std::chrono::milliseconds random_between(std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
  if (hi <= lo) return lo;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> dist(lo.count(), hi.count());
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

HttpError::HttpError(Kind kind, std::string url, const std::string& message)
    : aotf::Error(message), kind_(kind), url_(std::move(url)) {}

std::string_view to_string(HttpError::Kind kind) noexcept {
  switch (kind) {
    case HttpError::Kind::BadUrl: return "bad URL";
    case HttpError::Kind::Connect: return "cannot connect";
    case HttpError::Kind::Timeout: return "timeout";
    case HttpError::Kind::Disconnected: return "disconnected";
    case HttpError::Kind::TooLarge: return "too large";
    case HttpError::Kind::TooManyRedirects: return "too many redirects";
    case HttpError::Kind::Truncated: return "truncated";
    case HttpError::Kind::Protocol: return "protocol error";
    case HttpError::Kind::RetriesExhausted: return "retries exhausted";
    case HttpError::Kind::Stopped: return "stopped";
  }
  return "unknown";
}

bool wait_for(std::chrono::milliseconds duration, const std::function<bool()>& should_stop) {
  const auto deadline = Clock::now() + duration;
  for (;;) {
    if (should_stop && should_stop()) return false;
    const auto now = Clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(20)));
  }
}

struct Client::Impl {
  ClientOptions options;
  ProxyAddress proxy;
  std::mutex pacing_mutex;
  std::map<std::string, Clock::time_point> next_start;  // per scheme://host:port

  // Reserves the next start slot for `origin` and sleeps until it.
  void pace(const std::string& origin) {
    if (options.min_interval_per_host.count() <= 0) return;
    Clock::time_point start;
    {
      std::lock_guard lock(pacing_mutex);
      auto& next = next_start[origin];
      start = std::max(Clock::now(), next);
      next = start + options.min_interval_per_host;
    }
    std::this_thread::sleep_until(start);
  }

  Response send_once(const Request& request, const detail::Url& url);
};

Response Client::Impl::send_once(const Request& request, const detail::Url& url) {
  const std::string url_text = url.str();
  httplib::Client cli(url.origin());
  if (!cli.is_valid()) throw HttpError(HttpError::Kind::BadUrl, url_text, "bad URL \"" + url_text + "\": unusable host");
  cli.set_connection_timeout(options.connect_timeout);
  cli.set_read_timeout(options.read_timeout);
  cli.set_write_timeout(options.read_timeout);
  cli.set_keep_alive(false);
  cli.set_follow_location(false);
  cli.set_url_encode(false);  // parse_url already escaped what must be
  if (!proxy.host.empty()) cli.set_proxy(proxy.host, proxy.port);
  if (url.scheme == "https") {
    cli.enable_server_certificate_verification(true);
    if (!options.ca_cert_file.empty()) cli.set_ca_cert_path(options.ca_cert_file);
  }

  const std::size_t limit = request.max_body_bytes.value_or(options.max_body_bytes);

  httplib::Request req;
  req.method = request.method;
  req.path = url.target;
  if (!find_header(request.headers, "User-Agent")) req.headers.emplace("User-Agent", options.user_agent);
  for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    req.body = request.body;
    if (!request.content_type.empty() && !find_header(request.headers, "Content-Type")) {
      req.headers.emplace("Content-Type", request.content_type);
    }
  }

  // Why an answer was refused on purpose (the handlers return false and httplib says Canceled).
  std::optional<HttpError> refusal;
  bool got_head = false;
  std::optional<std::uint64_t> announced;
  Response out;
  auto last_activity = Clock::now();

  req.response_handler = [&](const httplib::Response& res) {
    got_head = true;
    last_activity = Clock::now();
    if (res.has_header("Content-Length")) {
      const std::string text = res.get_header_value("Content-Length");
      std::uint64_t length = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
      if (ec != std::errc{} || end != text.data() + text.size()) {
        refusal.emplace(HttpError::Kind::Protocol, url_text,
                        "GET " + url_text + ": invalid Content-Length \"" + text + "\"");
        return false;
      }
      announced = length;
      if (length > limit) {
        refusal.emplace(HttpError::Kind::TooLarge, url_text,
                        url_text + " is too large: Content-Length " + std::to_string(length) + " bytes, limit " +
                            std::to_string(limit));
        return false;
      }
    } else if (request.require_content_length && res.status == 200) {
      refusal.emplace(HttpError::Kind::Protocol, url_text,
                      url_text + " has no Content-Length, which this download requires");
      return false;
    }
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    last_activity = Clock::now();
    if (out.body.size() + size > limit) {
      refusal.emplace(HttpError::Kind::TooLarge, url_text,
                      url_text + " is too large: more than " + std::to_string(limit) + " bytes (body aborted)");
      return false;
    }
    out.body.append(data, size);
    return true;
  };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const auto started = Clock::now();
  const bool ok = cli.send(req, res, error);
  if (refusal) throw *refusal;
  if (!ok) {
    using E = httplib::Error;
    const auto silent = Clock::now() - last_activity;
    const bool timed_out = silent + std::chrono::milliseconds(50) >= options.read_timeout;
    const std::string what = request.method + " " + url_text + ": ";
    switch (error) {
      case E::ConnectionTimeout:
        throw HttpError(HttpError::Kind::Connect, url_text,
                        what + "cannot connect within " + ms_text(options.connect_timeout));
      case E::Connection:
      case E::BindIPAddress:
        if (Clock::now() - started + std::chrono::milliseconds(50) >= options.connect_timeout) {
          throw HttpError(HttpError::Kind::Connect, url_text,
                          what + "cannot connect within " + ms_text(options.connect_timeout));
        }
        throw HttpError(HttpError::Kind::Connect, url_text,
                        what + "cannot connect (" + httplib::to_string(error) + (proxy.host.empty() ? "" : ", through the proxy") + ")");
      case E::SSLConnection:
      case E::SSLLoadingCerts:
      case E::SSLServerVerification:
        throw HttpError(HttpError::Kind::Connect, url_text, what + "TLS failed (" + httplib::to_string(error) + ")");
      case E::Read:
        if (!got_head) {
          if (timed_out) {
            throw HttpError(HttpError::Kind::Timeout, url_text,
                            what + "no answer within " + ms_text(options.read_timeout));
          }
          throw HttpError(HttpError::Kind::Disconnected, url_text,
                          what + "the server closed the connection without answering");
        }
        if (timed_out) {
          throw HttpError(HttpError::Kind::Timeout, url_text,
                          what + "the body stalled for " + ms_text(options.read_timeout) + " after " +
                              std::to_string(out.body.size()) + " bytes");
        }
        throw HttpError(HttpError::Kind::Truncated, url_text,
                        what + "the connection ended after " + std::to_string(out.body.size()) + " bytes" +
                            (announced ? " of the " + std::to_string(*announced) + " announced" : " of a chunked body"));
      case E::Write:
        throw HttpError(HttpError::Kind::Disconnected, url_text, what + "the server closed the connection while we were sending");
      default:
        throw HttpError(HttpError::Kind::Protocol, url_text, what + "failed (" + httplib::to_string(error) + ")");
    }
  }
  if (announced && out.body.size() < *announced && request.method != "HEAD") {
    throw HttpError(HttpError::Kind::Truncated, url_text,
                    request.method + " " + url_text + ": the connection ended after " + std::to_string(out.body.size()) +
                        " bytes of the " + std::to_string(*announced) + " announced");
  }
  out.status = res.status;
  out.url = url_text;
  for (const auto& [key, value] : res.headers) out.headers.emplace_back(key, value);
  return out;
}

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->proxy = parse_proxy(options.proxy);
  impl_->options = std::move(options);
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const noexcept { return impl_->options; }

Response Client::send(const Request& request) {
  Request current = request;
  for (int hops = 0;; ++hops) {
    const detail::Url url = detail::parse_url(current.url);
    impl_->pace(url.origin());
    Response response = impl_->send_once(current, url);
    if (!is_redirect(response.status) || impl_->options.max_redirects <= 0) return response;
    const auto location = response.header("Location");
    if (!location) return response;  // nothing to follow: the caller sees the 3xx
    if (hops >= impl_->options.max_redirects) {
      throw HttpError(HttpError::Kind::TooManyRedirects, request.url,
                      request.method + " " + request.url + ": more than " + std::to_string(impl_->options.max_redirects) +
                          " redirects (the last one from " + url.str() + " to " + *location + ")");
    }
    const std::string next = detail::resolve_location(url, *location);
    const detail::Url next_url = detail::parse_url(next);
    if (response.status == 303 || ((response.status == 301 || response.status == 302) && current.method == "POST")) {
      current.method = "GET";
      current.body.clear();
      current.content_type.clear();
    }
    if (next_url.origin() != url.origin()) {
      // Credentials are for the host they were given to.
      std::erase_if(current.headers, [](const auto& h) { return iequals(h.first, "Authorization") || iequals(h.first, "Cookie"); });
    }
    current.url = next_url.str();
  }
}

Response Client::get(const std::string& url, const Headers& headers) {
  Request request;
  request.url = url;
  request.headers = headers;
  return send(request);
}

Response Client::post(const std::string& url, std::string body, std::string content_type, const Headers& headers) {
  Request request;
  request.method = "POST";
  request.url = url;
  request.headers = headers;
  request.body = std::move(body);
  request.content_type = std::move(content_type);
  return send(request);
}

Response Client::send_with_budget(const Request& request, const RetryPolicy& policy) {
  int budget = policy.budget;
  int tries = 0;
  for (;;) {
    if (policy.should_stop && policy.should_stop()) {
      throw HttpError(HttpError::Kind::Stopped, request.url, request.method + " " + request.url + ": stopped");
    }
    int cost = 0;
    std::chrono::milliseconds wait{0};
    std::string failure;
    int last_status = 0;
    ++tries;
    try {
      Response response = send(request);
      if (std::find(policy.retry_statuses.begin(), policy.retry_statuses.end(), response.status) ==
          policy.retry_statuses.end()) {
        return response;
      }
      cost = 1;
      wait = random_between(policy.status_wait_min, policy.status_wait_max);
      last_status = response.status;
      failure = "status " + std::to_string(response.status);
    } catch (const HttpError& e) {
      if (e.kind() == HttpError::Kind::BadUrl || e.kind() == HttpError::Kind::Stopped) throw;
      cost = e.kind() == HttpError::Kind::Disconnected ? 1 : 2;
      wait = random_between(policy.error_wait_min, policy.error_wait_max);
      failure = e.what();
    }
    budget -= cost;
    if (budget <= 0) {
      HttpError error(HttpError::Kind::RetriesExhausted, request.url,
                      request.method + " " + request.url + ": gave up after " + std::to_string(tries) +
                          (tries == 1 ? " try" : " tries") + "; last failure: " + failure);
      error.set_last_status(last_status);
      throw error;
    }
    if (!wait_for(wait, policy.should_stop)) {
      throw HttpError(HttpError::Kind::Stopped, request.url,
                      request.method + " " + request.url + ": stopped while waiting to retry after " + failure);
    }
  }
}

Response Client::get_with_budget(const std::string& url, const RetryPolicy& policy, const Headers& headers) {
  Request request;
  request.url = url;
  request.headers = headers;
  return send_with_budget(request, policy);
}

}  // namespace aotf::http
