// libFuzzer target over everything that reads untrusted image bytes: sniffing, the four decoders
// (headers, truncation and damage paths), the streaming resampler and the fingerprint in both
// modes. Any crash, sanitizer report, leak or escaped non-aotf exception is a finding.

#include <cstddef>
#include <cstdint>
#include <span>

#include "aotf/image/fingerprint.hpp"
#include "aotf/image/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  // Lower pixel limit than production so a header claiming a huge image is refused instead of
  // exhausting the fuzzer's memory; the limit logic itself is the same code.
  aotf::image::DecodeLimits limits;
  limits.max_pixels = 1'000'000;
  try {
    (void)aotf::image::read_info(bytes, limits);
  } catch (const aotf::Error&) {
  }
  try {
    (void)aotf::image::fingerprint(bytes, aotf::image::FingerprintMode::Exact, limits);
  } catch (const aotf::Error&) {
  }
  try {
    (void)aotf::image::fingerprint(bytes, aotf::image::FingerprintMode::Fast, limits);
  } catch (const aotf::Error&) {
  }
  return 0;
}
