#pragma once
// The HTTP side shared by the X and Bluesky sources: GET a JSON endpoint, wait out rate limits
// (429, or a window that the previous answer said is used up) until the reset the upstream
// announced, retry a 5xx once after a pause (the original's rule), parse the body.

#include <chrono>
#include <mutex>
#include <string>

#include "aotf/connectors/source.hpp"
#include "aotf/http/client.hpp"
#include "json_answer.hpp"

namespace aotf::sources {

struct UpstreamOptions {
  http::ClientOptions http;
  std::string reset_header;      // "x-rate-limit-reset" (X), "ratelimit-reset" (Bluesky): epoch seconds
  std::string remaining_header;  // "x-rate-limit-remaining", "ratelimit-remaining"
  std::chrono::seconds max_rate_limit_wait{900};  // a longer announced wait is an error
  std::chrono::milliseconds retry_wait{10'000};   // after a 5xx, or a 429 without a reset header
  int max_rate_limit_retries = 5;                 // consecutive 429 answers before giving up
};

struct JsonAnswer {
  int status = 0;
  json body;  // null when the body was empty
};

class UpstreamApi {
public:
  explicit UpstreamApi(UpstreamOptions options);

  // Statuses other than 429 and 5xx are returned with their parsed body (an error object is
  // still JSON); a body that is not JSON is SourceError(Malformed). Thread-safe.
  [[nodiscard]] JsonAnswer get(const Endpoint& endpoint, const std::string& url, const http::Headers& headers,
                               const StopPredicate& should_stop);

private:
  void wait_or_stop(const Endpoint& endpoint, std::chrono::milliseconds wait, const StopPredicate& should_stop,
                    const std::string& why);
  // How long until the reset the answer announces; nullopt without a usable header.
  [[nodiscard]] std::optional<std::chrono::milliseconds> until_reset(const http::Response& response) const;

  UpstreamOptions options_;
  http::Client client_;
  std::mutex mutex_;
  std::chrono::system_clock::time_point window_reset_{};  // the last answer said: nothing left until then
};

}  // namespace aotf::sources
