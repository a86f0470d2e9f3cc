#include "image_download.hpp"

#include <chrono>
#include <random>
#include <span>

#include <aotf/shm/segment.hpp>

namespace aotf::scan {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds random_wait(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  thread_local std::mt19937_64 random(std::random_device{}());
  if (max <= min) return min;
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(min.count(), max.count())(random));
}

http::ClientOptions client_options(const DownloadSettings& s) {
  http::ClientOptions o;
  o.read_timeout = s.timeout;
  o.connect_timeout = std::min<std::chrono::milliseconds>(s.timeout, std::chrono::seconds(10));
  o.max_body_bytes = s.max_bytes;
  return o;
}

}  // namespace

std::string image_file_name(std::string_view url) {
  const auto end = url.find_first_of("?#");
  if (end != std::string_view::npos) url = url.substr(0, end);
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (path == std::string_view::npos) return std::string(url);
  std::string_view last = url.substr(url.rfind('/') + 1);
  return last.empty() ? std::string(url) : std::string(last);
}

ImageIndexer::ImageIndexer(const DownloadSettings& settings, image::FingerprintMode mode, Connectors& connectors,
                           shm::Segment* metrics)
    : settings_(settings), mode_(mode), connectors_(connectors), metrics_(metrics), client_(client_options(settings)) {}

IndexedImage ImageIndexer::index(const std::string& url, const std::function<bool()>& should_stop) {
  IndexedImage out;
  out.name = image_file_name(url);
  int bad_gateway_left = settings_.bad_gateway_retries;
  int error_left = settings_.error_retries;
  int decode_left = settings_.decode_retries;
  http::Request request;
  request.url = url;
  request.require_content_length = true;
  for (const auto& header : connectors_.image_headers(url)) request.headers.push_back(header);

  for (;;) {
    std::chrono::milliseconds wait{0};
    bool retry = false;
    try {
      const auto started = Clock::now();
      http::Response response = client_.send(request);
      if (metrics_ != nullptr) metrics_->record("stepC image download", shm::seconds_since(started));
      if (response.status == 200) {
        try {
          const auto hashing = Clock::now();
          const auto* bytes = reinterpret_cast<const std::uint8_t*>(response.body.data());
          const image::Fingerprint fp = image::fingerprint(std::span(bytes, response.body.size()), mode_);
          if (metrics_ != nullptr) metrics_->record("stepC image fingerprint", shm::seconds_since(hashing));
          out.fingerprint = fp.bits;
          out.problem.clear();
          return out;
        } catch (const std::exception& e) {  // ImageTooBig, ImageDecodeError
          out.problem = std::string("cannot fingerprint it: ") + e.what();
          retry = decode_left-- > 0;
          wait = settings_.decode_wait;
        }
      } else if (response.status == 404 || response.status == 403 || response.status == 500) {
        out.problem = "lost: the image host answered " + std::to_string(response.status);
        return out;  // gone for good: stored without a fingerprint, never retried
      } else if (response.status == 502) {
        out.problem = "the image host answered 502";
        retry = bad_gateway_left-- > 0;
        wait = random_wait(settings_.bad_gateway_wait_min, settings_.bad_gateway_wait_max);
      } else {
        out.problem = "the image host answered " + std::to_string(response.status);
        retry = error_left-- > 0;
        wait = random_wait(settings_.error_wait_min, settings_.error_wait_max);
      }
    } catch (const http::HttpError& e) {
      out.problem = e.what();
      if (e.kind() == http::HttpError::Kind::TooLarge || e.kind() == http::HttpError::Kind::Timeout) {
        retry = decode_left-- > 0;
        wait = settings_.decode_wait;
      } else {
        retry = error_left-- > 0;
        wait = random_wait(settings_.error_wait_min, settings_.error_wait_max);
      }
    }
    if (!retry) break;
    if (!http::wait_for(wait, should_stop)) {
      out.problem += " (the daemon stopped before the retry)";
      break;
    }
  }
  out.failed = true;
  return out;
}

}  // namespace aotf::scan
