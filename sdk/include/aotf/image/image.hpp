#pragma once
// Decoding of the images aotfd fingerprints: JPEG, PNG (and the default image of an APNG), WebP
// (first frame of an animation) and GIF (first frame). The format is sniffed from the magic
// bytes, never from a file name.
//
// Decoding follows what Pillow 9.4 gives the original server (which ran with
// LOAD_TRUNCATED_IMAGES): a truncated or damaged file decodes as far as it goes, and the rows it
// could not deliver take the value Pillow leaves there. Only a file whose header cannot be read
// is refused.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"

namespace aotf::image {

enum class Format { Jpeg, Png, Webp, Gif };

[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(Format format) noexcept;

// The image is larger than the original server accepted: more than kMaxEncodedBytes bytes, or
// more than kMaxPixels pixels according to its header (checked before any pixel is decoded).
// The pipelines report it as QUERY_IMAGE_TOO_BIG.
class BOOST_SYMBOL_VISIBLE ImageTooBig : public Error {
public:
  using Error::Error;
};

// The bytes are not an image aotfd can decode. what() names the format and the problem:
// "PNG: CRC error in IHDR", "not an image: unknown signature 3c 68 74 6d".
class BOOST_SYMBOL_VISIBLE ImageDecodeError : public Error {
public:
  using Error::Error;
};

inline constexpr std::size_t kMaxEncodedBytes = 20'971'520;          // 20 MiB, as the original
inline constexpr std::uint64_t kMaxPixels = 2ull * 89'478'485ull;  // Pillow's decompression bomb

struct DecodeLimits {
  std::size_t max_bytes = kMaxEncodedBytes;
  std::uint64_t max_pixels = kMaxPixels;
};

// Sniffs the format from the first bytes. Throws ImageDecodeError for anything else.
[[nodiscard]] BOOST_SYMBOL_VISIBLE Format sniff_format(std::span<const std::uint8_t> encoded);

// What the header says, without decoding pixels.
struct ImageInfo {
  Format format = Format::Jpeg;
  int width = 0;
  int height = 0;
};
[[nodiscard]] BOOST_SYMBOL_VISIBLE ImageInfo read_info(std::span<const std::uint8_t> encoded,
                                                       const DecodeLimits& limits = {});

// An 8-bit grey image, row-major, no padding: what Pillow's image.convert("L") holds.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;

  [[nodiscard]] std::uint8_t at(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)];
  }
};

// Decodes the first frame and converts it to grey exactly as Pillow's convert("L") does
// (ITU-R 601-2 luma in fixed point, alpha ignored, palettes through their colours, CMYK through
// RGB, 16-bit grey clipped to 255). Throws ImageTooBig or ImageDecodeError.
[[nodiscard]] BOOST_SYMBOL_VISIBLE GreyImage decode_grey(std::span<const std::uint8_t> encoded,
                                                         const DecodeLimits& limits = {});

// Pillow's resize(size, Image.ANTIALIAS) of an "L" image, bit for bit (Lanczos-3 with the support
// widened by the reduction factor, 22-bit fixed-point coefficients, horizontal then vertical pass).
[[nodiscard]] BOOST_SYMBOL_VISIBLE GreyImage resize_lanczos(const GreyImage& image, int width, int height);

}  // namespace aotf::image
