#pragma once
// The 64-bit perceptual hash (pHash) the original server stored for every image, bit for bit:
// grey "L" → Lanczos 32×32 → unnormalised DCT-II on both axes → top-left 8×8 → bit i is set when
// coefficient i (i = row × 8 + column, DC = bit 0) is strictly above the median of the 64.
// Stored as 8 bytes big-endian, so a database of the original stays valid.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/config.hpp>

#include "aotf/host_info.hpp"
#include "aotf/image/image.hpp"

namespace aotf::image {

struct Fingerprint {
  std::uint64_t bits = 0;

  // The 8 bytes the database stores (big-endian).
  [[nodiscard]] std::array<std::uint8_t, 8> bytes() const noexcept;
  // 16 lowercase hex digits of bytes().
  [[nodiscard]] std::string hex() const;
  [[nodiscard]] static Fingerprint from_bytes(std::span<const std::uint8_t, 8> bytes) noexcept;

  friend bool operator==(Fingerprint, Fingerprint) = default;
};

// Exact: the original's pHash, bit for bit. Fast: JPEGs are decoded at a reduced scale (libjpeg
// DCT scaling, luma only) before the same steps; a few fingerprints differ from Exact by 1-2
// bits. Other formats are identical in both modes.
enum class FingerprintMode { Exact, Fast };

[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(FingerprintMode mode) noexcept;
// "exact" or "fast"; nullopt for anything else.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::optional<FingerprintMode> parse_fingerprint_mode(std::string_view text) noexcept;
// The mode the daemon fingerprints with: the host's fingerprint.mode key (validated at start).
[[nodiscard]] inline FingerprintMode fingerprint_mode(const HostInfo& host) noexcept {
  return parse_fingerprint_mode(host.fingerprint_mode).value_or(FingerprintMode::Exact);
}

// Decodes `encoded` and fingerprints it. Throws ImageTooBig or ImageDecodeError.
[[nodiscard]] BOOST_SYMBOL_VISIBLE Fingerprint fingerprint(std::span<const std::uint8_t> encoded,
                                                           FingerprintMode mode = FingerprintMode::Exact,
                                                           const DecodeLimits& limits = {});

// Fingerprint of an already decoded grey image (Exact).
[[nodiscard]] BOOST_SYMBOL_VISIBLE Fingerprint fingerprint(const GreyImage& grey);

// Fingerprint of a 32×32 grey image (the DCT, median and bit steps alone).
[[nodiscard]] BOOST_SYMBOL_VISIBLE Fingerprint fingerprint_32x32(std::span<const std::uint8_t, 1024> pixels);

// scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1) of a 32×32 image, with the same
// floating-point operations as scipy's pocketfft, so ties and near-zero coefficients round alike.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::array<double, 1024> dct2_32x32(std::span<const std::uint8_t, 1024> pixels);

// Number of differing bits.
[[nodiscard]] inline int hamming(Fingerprint a, Fingerprint b) noexcept {
  return __builtin_popcountll(a.bits ^ b.bits);
}

}  // namespace aotf::image
