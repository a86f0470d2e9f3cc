// Unit tests of aotf::image: the errors a caller gets for bad input, the limits, the bit and byte
// order of the stored fingerprint, and reference values computed with Pillow 9.4 + scipy 1.10
// (tests/fingerprint/pillow_parity.py checks hundreds of whole files end to end).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <zlib.h>

#include "aotf/image/fingerprint.hpp"
#include "aotf/image/image.hpp"

namespace img = aotf::image;

namespace {

// The bytes of a string literal, embedded NULs included.
template <std::size_t N>
std::vector<std::uint8_t> bytes_of(const char (&s)[N]) {
  return {reinterpret_cast<const std::uint8_t*>(s), reinterpret_cast<const std::uint8_t*>(s) + N - 1};
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void chunk(std::vector<std::uint8_t>& png, const char* type, const std::vector<std::uint8_t>& body, bool good_crc = true) {
  put32(png, static_cast<std::uint32_t>(body.size()));
  std::vector<std::uint8_t> typed(type, type + 4);
  typed.insert(typed.end(), body.begin(), body.end());
  png.insert(png.end(), typed.begin(), typed.end());
  auto crc = static_cast<std::uint32_t>(crc32(0L, typed.data(), static_cast<uInt>(typed.size())));
  put32(png, good_crc ? crc : crc ^ 1u);
}

// An 8-bit grey PNG; rows of `width` pixels from `pixels` (all zero when empty).
std::vector<std::uint8_t> grey_png(std::uint32_t width, std::uint32_t height, const std::vector<std::uint8_t>& pixels,
                                   bool good_ihdr_crc = true) {
  std::vector<std::uint8_t> png = bytes_of("\x89PNG\r\n\x1A\n");
  std::vector<std::uint8_t> ihdr;
  put32(ihdr, width);
  put32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
  chunk(png, "IHDR", ihdr, good_ihdr_crc);
  std::vector<std::uint8_t> raw;
  if (!pixels.empty()) {
    for (std::uint32_t y = 0; y < height; ++y) {
      raw.push_back(0);
      raw.insert(raw.end(), pixels.begin() + y * width, pixels.begin() + (y + 1) * width);
    }
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> z(size);
    compress(z.data(), &size, raw.data(), static_cast<uLong>(raw.size()));
    z.resize(size);
    chunk(png, "IDAT", z);
    chunk(png, "IEND", {});
  }
  return png;
}

std::vector<std::uint8_t> grey_jpeg(int width, int height, int quality) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  std::vector<std::uint8_t> row(static_cast<std::size_t>(width) * 3);
  while (c.next_scanline < c.image_height) {
    // Smooth shapes with some texture, like a drawing (a plain ramp would leave most DCT
    // coefficients near zero, where any change flips bits).
    const double y = c.next_scanline;
    for (int x = 0; x < width; ++x) {
      const double v = 128 + 60 * std::sin(x / 97.0) * std::cos(y / 61.0) + 40 * std::sin((x + 2 * y) / 173.0) +
                       10 * std::sin(x / 3.0);
      row[static_cast<std::size_t>(x) * 3] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
      row[static_cast<std::size_t>(x) * 3 + 1] = static_cast<std::uint8_t>(std::clamp(255 - v * 0.8, 0.0, 255.0));
      row[static_cast<std::size_t>(x) * 3 + 2] = static_cast<std::uint8_t>(std::clamp(v * 0.5 + y / 20, 0.0, 255.0));
    }
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&c, rows, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<std::uint8_t> result(out, out + size);
  std::free(out);
  return result;
}

// A YCCK JPEG (Adobe CMYK stored as YCbCr + K), which Pillow cannot write; the content matches
// the file whose Pillow fingerprint is quoted in the test below.
std::vector<std::uint8_t> ycck_jpeg(int width, int height) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = 4;
  c.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&c);
  jpeg_set_colorspace(&c, JCS_YCCK);
  jpeg_set_quality(&c, 90, TRUE);
  jpeg_start_compress(&c, TRUE);
  std::vector<std::uint8_t> row(static_cast<std::size_t>(width) * 4);
  while (c.next_scanline < c.image_height) {
    const int y = static_cast<int>(c.next_scanline);
    for (int x = 0; x < width; ++x) {
      auto* p = &row[static_cast<std::size_t>(x) * 4];
      p[0] = static_cast<std::uint8_t>((x * 3 + y) % 256);
      p[1] = static_cast<std::uint8_t>(static_cast<int>(128 + 100 * std::sin(x / 30.0)));
      p[2] = static_cast<std::uint8_t>((y * 2) % 256);
      p[3] = static_cast<std::uint8_t>(static_cast<int>(60 + 50 * std::cos((x + y) / 50.0)));
    }
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&c, rows, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<std::uint8_t> result(out, out + size);
  std::free(out);
  return result;
}

template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST(ImageSniff, RecognisesTheFourFormatsByTheirMagicBytes) {
  EXPECT_EQ(img::sniff_format(bytes_of("\xFF\xD8\xFF\xE0")), img::Format::Jpeg);
  EXPECT_EQ(img::sniff_format(bytes_of("\x89PNG\r\n\x1A\n")), img::Format::Png);
  EXPECT_EQ(img::sniff_format(bytes_of("GIF89a")), img::Format::Gif);
  EXPECT_EQ(img::sniff_format(bytes_of("RIFF\x10\0\0\0WEBPVP8 ")), img::Format::Webp);
}

TEST(ImageSniff, NamesTheSignatureOfWhatIsNotAnImage) {
  EXPECT_EQ(error_of<img::ImageDecodeError>([] { (void)img::sniff_format(bytes_of("<html>")); }),
            "not an image: unknown signature 3c 68 74 6d");
  EXPECT_EQ(error_of<img::ImageDecodeError>([] { (void)img::sniff_format({}); }), "not an image: the file is empty");
  EXPECT_EQ(error_of<img::ImageDecodeError>([] { (void)img::fingerprint(bytes_of("RIFF\0\0\0\0AVI ")); }),
            "not an image: unknown signature 52 49 46 46");
}

TEST(ImageErrors, ErrorsAreAotfErrorsSoPipelinesCatchThem) {
  EXPECT_THROW((void)img::fingerprint(bytes_of("junk")), aotf::Error);
  const std::vector<std::uint8_t> big(img::kMaxEncodedBytes + 1, 0);
  EXPECT_THROW((void)img::fingerprint(big), aotf::Error);
}

TEST(ImageErrors, PngHeaderCrcErrorIsNamed) {
  const auto png = grey_png(4, 4, std::vector<std::uint8_t>(16, 9), /*good_ihdr_crc=*/false);
  EXPECT_EQ(error_of<img::ImageDecodeError>([&] { (void)img::decode_grey(png); }), "PNG: CRC error in IHDR");
}

TEST(ImageErrors, BrokenJpegHeaderNamesLibjpegsReason) {
  const auto message = error_of<img::ImageDecodeError>([] { (void)img::decode_grey(bytes_of("\xFF\xD8\xFF\xC0\0\x02")); });
  EXPECT_EQ(message.rfind("JPEG: ", 0), 0u) << message;
}

TEST(ImageErrors, TruncatedGifAndWebpHeadersAreDecodeErrors) {
  EXPECT_THROW((void)img::decode_grey(bytes_of("GIF89a\x01")), img::ImageDecodeError);
  EXPECT_THROW((void)img::decode_grey(bytes_of("RIFF\x20\0\0\0WEBPVP8 \x10\0\0\0")), img::ImageDecodeError);
}

TEST(ImageLimits, TooManyBytesIsImageTooBig) {
  std::vector<std::uint8_t> data = bytes_of("\xFF\xD8\xFF");
  data.resize(img::kMaxEncodedBytes + 1);
  EXPECT_EQ(error_of<img::ImageTooBig>([&] { (void)img::fingerprint(data); }),
            "image is 20971521 bytes, more than the limit of 20971520");
}

TEST(ImageLimits, TooManyPixelsIsRefusedFromTheHeaderAlone) {
  // 20000 × 10000 = 2e8 pixels > 2 × 89,478,485; the file has no pixel data at all.
  const auto png = grey_png(20000, 10000, {});
  EXPECT_EQ(error_of<img::ImageTooBig>([&] { (void)img::fingerprint(png); }),
            "PNG: image is 20000x10000 pixels, more than the limit of 178956970");
  // Just under the limit the header is fine (and the missing data is a truncated image).
  const auto info = img::read_info(grey_png(13000, 13000, {}));
  EXPECT_EQ(info.width, 13000);
  EXPECT_EQ(info.format, img::Format::Png);
}

TEST(ImageLimits, CallerMayLowerTheLimits) {
  const auto jpeg = grey_jpeg(300, 200, 90);
  img::DecodeLimits limits;
  limits.max_pixels = 300 * 200 - 1;
  EXPECT_THROW((void)img::decode_grey(jpeg, limits), img::ImageTooBig);
  limits.max_pixels = 300 * 200;
  EXPECT_EQ(img::decode_grey(jpeg, limits).width, 300);
}

TEST(ImageDecode, PngPixelsComeBackUnchanged) {
  std::vector<std::uint8_t> pixels(7 * 5);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  const auto grey = img::decode_grey(grey_png(7, 5, pixels));
  EXPECT_EQ(grey.width, 7);
  EXPECT_EQ(grey.height, 5);
  EXPECT_EQ(grey.pixels, pixels);
}

TEST(ImageDecode, TruncatedJpegKeepsItsTopRowsAndFillsTheRestGrey) {
  const auto jpeg = grey_jpeg(256, 256, 90);
  const auto full = img::decode_grey(jpeg);
  std::vector<std::uint8_t> cut(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2));
  const auto half = img::decode_grey(cut);
  ASSERT_EQ(half.height, 256);
  EXPECT_EQ(half.at(10, 5), full.at(10, 5));  // decoded part intact
  EXPECT_NE(half.at(100, 250), full.at(100, 250));
  EXPECT_EQ(half.at(100, 250), 128);  // what the fake end of image cut off decodes as mid-grey
}

TEST(Fingerprint, YcckJpegMatchesPillow) {
  // Pillow 9.4 opens it as CMYK ("CMYK;I"): pillow_parity.original_phash gives 0a1e5e1eb5e0b475.
  EXPECT_EQ(img::fingerprint(ycck_jpeg(640, 480)).hex(), "0a1e5e1eb5e0b475");
}

TEST(Fingerprint, BitIOfTheDctIsBitIOfTheValueAndBytesAreBigEndian) {
  img::Fingerprint f{0x0102030405060708ull};
  EXPECT_EQ(f.hex(), "0102030405060708");
  const auto b = f.bytes();
  EXPECT_EQ(b[0], 0x01);
  EXPECT_EQ(b[7], 0x08);
  EXPECT_EQ(img::Fingerprint::from_bytes(b), f);
}

TEST(Fingerprint, MatchesScipyOnAReferencePattern) {
  std::array<std::uint8_t, 1024> px;
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 32; ++c) px[static_cast<std::size_t>(r * 32 + c)] = static_cast<std::uint8_t>((r * 7 + c * 3 + (r * c) % 5) % 256);
  // Reference values from scipy.fftpack.dct / numpy.median on the same pixels.
  const auto dct = img::dct2_32x32(px);
  EXPECT_EQ(dct[0], 549988.0);
  EXPECT_EQ(dct[1 * 32 + 2], 0x1.05744172a0101p+14);
  EXPECT_EQ(img::fingerprint_32x32(px).hex(), "5ae48b76a972dc21");
}

TEST(Fingerprint, FlatImageGivesTheOriginalsValue) {
  // Only the DC coefficient is meaningful; the other 63 are rounding noise whose signs the
  // original's scipy decided. Same arithmetic, same bits.
  std::array<std::uint8_t, 1024> px;
  px.fill(77);
  EXPECT_EQ(img::fingerprint_32x32(px).hex(), "0000000000000001");
}

TEST(Fingerprint, LanczosMatchesPillow) {
  img::GreyImage in{50, 40, {}};
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 50; ++x) in.pixels.push_back(static_cast<std::uint8_t>((x * 5 + y * 11) % 256));
  const auto out = img::resize_lanczos(in, 32, 32);
  // Pillow 9.4: numpy.asarray(im.resize((32, 32), Image.LANCZOS))
  const std::vector<std::uint8_t> first_row(out.pixels.begin(), out.pixels.begin() + 8);
  EXPECT_EQ(first_row, (std::vector<std::uint8_t>{2, 10, 18, 26, 34, 41, 49, 57}));
  EXPECT_EQ(out.at(31, 31), 160);
  long sum = 0;
  for (auto p : out.pixels) sum += p;
  EXPECT_EQ(sum, 130773);
}

TEST(Fingerprint, HammingCountsDifferingBits) {
  EXPECT_EQ(img::hamming(img::Fingerprint{0}, img::Fingerprint{0}), 0);
  EXPECT_EQ(img::hamming(img::Fingerprint{0xFF}, img::Fingerprint{0x0F}), 4);
  EXPECT_EQ(img::hamming(img::Fingerprint{~0ull}, img::Fingerprint{0}), 64);
}

TEST(Fingerprint, ModeNamesRoundTrip) {
  EXPECT_EQ(img::parse_fingerprint_mode("exact"), img::FingerprintMode::Exact);
  EXPECT_EQ(img::parse_fingerprint_mode("fast"), img::FingerprintMode::Fast);
  EXPECT_FALSE(img::parse_fingerprint_mode("quick"));
  EXPECT_EQ(img::to_string(img::FingerprintMode::Fast), "fast");
}

TEST(Fingerprint, FastModeStaysCloseAndOtherFormatsAreUnchanged) {
  const auto jpeg = grey_jpeg(1600, 1200, 92);
  EXPECT_LE(img::hamming(img::fingerprint(jpeg, img::FingerprintMode::Exact), img::fingerprint(jpeg, img::FingerprintMode::Fast)), 2);
  std::vector<std::uint8_t> pixels(300 * 200);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>((i * 31) ^ (i / 300));
  const auto png = grey_png(300, 200, pixels);
  EXPECT_EQ(img::fingerprint(png, img::FingerprintMode::Fast), img::fingerprint(png, img::FingerprintMode::Exact));
}

TEST(Fingerprint, FromGreyImageEqualsFromFile) {
  const auto jpeg = grey_jpeg(640, 480, 85);
  EXPECT_EQ(img::fingerprint(img::decode_grey(jpeg)), img::fingerprint(jpeg));
}
