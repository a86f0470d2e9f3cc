#pragma once
// Internal interface between the format decoders and their consumers (a full grey image, or the
// fingerprint's streaming resampler, which never holds the full-size image).

#include <cstdint>
#include <span>
#include <string>

#include "aotf/image/image.hpp"

namespace aotf::image::detail {

// Receives a decoded image as grey rows. start() is called once, then row() exactly `height`
// times, top to bottom, each with `width` pixels (the decoders fill the rows a damaged file could
// not deliver, so a consumer never sees a short image).
class RowSink {
public:
  virtual ~RowSink() = default;
  virtual void start(int width, int height) = 0;
  virtual void row(const std::uint8_t* grey) = 0;
  // A sink that works on 16-bit pixels may offer a buffer of `width` values for the next row; a
  // decoder may then write the row there and call wide_row() instead of row(). Saves a pass.
  virtual std::int16_t* wide_row_buffer() { return nullptr; }
  virtual void wide_row() {}
};

struct DecodeRequest {
  std::span<const std::uint8_t> data;
  DecodeLimits limits;
  // Fast mode: JPEGs may be decoded at a reduced scale, luma only, as long as both sides stay at
  // least this many pixels. 0 = full scale, exact.
  int reduce_to_min_side = 0;
};

// Sniffs the format, checks the byte limit and decodes the first frame into `sink`.
void decode(const DecodeRequest& request, RowSink& sink);

ImageInfo read_jpeg_info(std::span<const std::uint8_t> data);
ImageInfo read_png_info(std::span<const std::uint8_t> data);
ImageInfo read_webp_info(std::span<const std::uint8_t> data);
ImageInfo read_gif_info(std::span<const std::uint8_t> data);

void decode_jpeg(const DecodeRequest& request, RowSink& sink);
void decode_png(const DecodeRequest& request, RowSink& sink);
void decode_webp(const DecodeRequest& request, RowSink& sink);
void decode_gif(const DecodeRequest& request, RowSink& sink);

// Throws ImageTooBig when width × height exceeds the limit (Pillow's decompression-bomb rule).
void check_pixels(Format format, std::uint64_t width, std::uint64_t height, const DecodeLimits& limits);

[[noreturn]] void fail(Format format, const std::string& message);

// Pillow's ITU-R 601-2 luma in fixed point (Convert.c, L24): the weights add up to 65536, so a
// grey pixel keeps its value.
inline std::uint8_t luma(unsigned r, unsigned g, unsigned b) noexcept {
  return static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

// Pillow's cmyk2rgb followed by luma: nk = 255 - k, channel = nk - nk·c/255 (MULDIV255 rounding).
inline std::uint8_t cmyk_luma(unsigned c, unsigned m, unsigned y, unsigned k) noexcept {
  const unsigned nk = 255u - k;
  auto channel = [nk](unsigned v) {
    const unsigned t = v * nk + 128u;
    const unsigned mul = ((t >> 8) + t) >> 8;
    return nk - mul;  // never negative: mul <= nk
  };
  return luma(channel(c), channel(m), channel(y));
}

}  // namespace aotf::image::detail
