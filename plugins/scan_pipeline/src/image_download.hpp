#pragma once
// Downloads one image of a post and fingerprints it, with the original's rules (reference 8.4):
// 404, 403 and 500 mean the image is gone for good (stored without a fingerprint, never retried);
// 502 is retried a few times; other statuses, truncated bodies and connection failures once;
// an image that cannot be decoded (or is too big) is downloaded once more. What is still failing
// after that is a retryable failure: the post is stored and also kept for a later re-index.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <aotf/connectors/connectors.hpp>
#include <aotf/http/client.hpp>
#include <aotf/image/fingerprint.hpp>

#include "settings.hpp"

namespace aotf::shm {
class Segment;
}

namespace aotf::scan {

struct IndexedImage {
  std::string name;                          // the file name stored (last path segment of the URL)
  std::optional<std::uint64_t> fingerprint;  // empty: lost or failed
  bool failed = false;                       // retryable: the post goes to the re-index table
  std::string problem;                       // why there is no fingerprint (empty when there is one)
};

// The file name stored for an image: the last path segment of its URL, without query or
// fragment ("https://pbs.twimg.com/media/GAbc_defGHIjklm.jpg?name=large" → "GAbc_defGHIjklm.jpg").
[[nodiscard]] std::string image_file_name(std::string_view url);

class ImageIndexer {
public:
  // `metrics` may be null (no timings recorded).
  ImageIndexer(const DownloadSettings& settings, image::FingerprintMode mode, Connectors& connectors,
               shm::Segment* metrics);
  // Never throws for a failure of the image or its host; a stop during a wait is a failure.
  [[nodiscard]] IndexedImage index(const std::string& url, const std::function<bool()>& should_stop);

private:
  DownloadSettings settings_;
  image::FingerprintMode mode_;
  Connectors& connectors_;
  shm::Segment* metrics_;
  http::Client client_;
};

}  // namespace aotf::scan
