#include "upstream_api.hpp"

#include <charconv>

namespace aotf::sources {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::system_clock;

UpstreamApi::UpstreamApi(UpstreamOptions options) : options_(std::move(options)), client_(options_.http) {}

std::optional<milliseconds> UpstreamApi::until_reset(const http::Response& response) const {
  const auto text = response.header(options_.reset_header);
  if (!text) return std::nullopt;
  long long epoch = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), epoch);
  if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
  const auto reset = system_clock::time_point(std::chrono::seconds(epoch));
  return std::max(milliseconds(0), duration_cast<milliseconds>(reset - system_clock::now()));
}

void UpstreamApi::wait_or_stop(const Endpoint& endpoint, milliseconds wait, const StopPredicate& should_stop,
                               const std::string& why) {
  if (!http::wait_for(wait, should_stop)) {
    throw SourceError(SourceError::Kind::Stopped, endpoint.platform, endpoint.name,
                      endpoint.platform + ": " + endpoint.name + ": stopped while waiting (" + why + ")");
  }
}

JsonAnswer UpstreamApi::get(const Endpoint& endpoint, const std::string& url, const http::Headers& headers,
                            const StopPredicate& should_stop) {
  int rate_limited = 0;
  bool retried_server_error = false;
  for (;;) {
    // A previous answer said the window is used up: wait for its reset before asking again.
    system_clock::time_point reset;
    {
      std::lock_guard lock(mutex_);
      reset = window_reset_;
    }
    if (const auto now = system_clock::now(); reset > now) {
      const auto wait = duration_cast<milliseconds>(reset - now);
      if (wait > options_.max_rate_limit_wait) {
        throw SourceError(SourceError::Kind::RateLimited, endpoint.platform, endpoint.name,
                          endpoint.platform + ": " + endpoint.name + ": rate limit resets in " +
                              std::to_string(wait.count() / 1000) + " s, more than the " +
                              std::to_string(options_.max_rate_limit_wait.count()) + " s the configuration allows");
      }
      wait_or_stop(endpoint, wait, should_stop, "rate limit window used up");
    }

    const http::Response response = client_.get(url, headers);

    if (const auto remaining = response.header(options_.remaining_header); remaining && *remaining == "0") {
      if (const auto wait = until_reset(response)) {
        std::lock_guard lock(mutex_);
        window_reset_ = std::max(window_reset_, system_clock::now() + *wait);
      }
    }
    if (response.status == 429) {
      if (++rate_limited > options_.max_rate_limit_retries) {
        throw SourceError(SourceError::Kind::RateLimited, endpoint.platform, endpoint.name,
                          endpoint.platform + ": " + endpoint.name + ": still rate limited after " +
                              std::to_string(options_.max_rate_limit_retries) + " waits");
      }
      const auto wait = until_reset(response);
      if (wait) {
        std::lock_guard lock(mutex_);
        window_reset_ = std::max(window_reset_, system_clock::now() + *wait);
      } else {
        wait_or_stop(endpoint, options_.retry_wait, should_stop, "429 without a reset time");
      }
      continue;  // the top of the loop waits for the reset (or refuses a too long one)
    }
    if (response.status >= 500) {
      if (retried_server_error) {
        throw endpoint.upstream("answered " + std::to_string(response.status) + " twice (" + url + ")");
      }
      retried_server_error = true;
      wait_or_stop(endpoint, options_.retry_wait, should_stop, "status " + std::to_string(response.status));
      continue;
    }
    JsonAnswer out;
    out.status = response.status;
    if (!response.body.empty()) out.body = endpoint.parse(response.body);
    return out;
  }
}

}  // namespace aotf::sources
