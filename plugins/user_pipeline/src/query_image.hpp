#pragma once
// The query image of step 3 (reference 4.6 step 2 and 8.4): the first candidate URL that gives a
// decodable image, fingerprinted with the daemon's mode; or the request's error code.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <aotf/http/client.hpp>
#include <aotf/image/fingerprint.hpp>
#include <aotf/shm/pipelines.hpp>

namespace aotf::user_pipeline {

struct QueryImageOptions {
  image::FingerprintMode mode = image::FingerprintMode::Exact;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds retry_wait_502{std::chrono::seconds(10)};
  // Extra headers for a URL (Pixiv's image host wants a Referer).
  std::function<http::Headers(const std::string& url)> headers_for;
  // Waits, returning false when the daemon stops meanwhile.
  std::function<bool(std::chrono::milliseconds)> sleep_for;
  // Called with the seconds a download / a fingerprint took (metrics).
  std::function<void(double)> on_download;
  std::function<void(double)> on_fingerprint;
};

struct QueryImage {
  std::optional<image::Fingerprint> fingerprint;
  shm::UserError error = shm::UserError::None;  // when there is no fingerprint
  std::string detail;                           // why, for the log
};

// Thrown for an URL found by the Link Finder that answers an HTTP error or cannot be reached:
// the original raised, and the collector ends the request with PROCESSING_ERROR.
class QueryImageError : public Error {
public:
  using Error::Error;
};

// Tries `urls` best first:
// - Content-Length missing or above 20 MiB, or a decompression bomb → the next URL, else
//   QUERY_IMAGE_TOO_BIG;
// - not an http(s) URL → the next URL, else NOT_AN_URL;
// - 502 → one retry after retry_wait_502; any other error status or no answer → CANNOT_GET_IMAGE
//   for a direct request, QueryImageError for a Link Finder URL;
// - not an image → ERROR_DURING_REVERSE_SEARCH.
[[nodiscard]] QueryImage query_image_from_urls(const std::vector<std::string>& urls, bool direct,
                                               const QueryImageOptions& options);

// An image uploaded through POST /search (aotf/uploads.hpp): the file's bytes, fingerprinted.
// A missing file gives CANNOT_GET_IMAGE, a file above 20 MiB QUERY_IMAGE_TOO_BIG.
[[nodiscard]] QueryImage query_image_from_file(const std::filesystem::path& file, const QueryImageOptions& options);

// True for the 32 lower-case hex digits of an upload identifier.
[[nodiscard]] bool is_upload_identifier(std::string_view key);
// "http://" or "https://", a host, no white space: what a query image URL must look like.
[[nodiscard]] bool is_http_url(const std::string& url);

}  // namespace aotf::user_pipeline
