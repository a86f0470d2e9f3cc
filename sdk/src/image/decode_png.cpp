// PNG with libpng. Pillow decodes PNG with its own zlib code, so the choices below reproduce
// Pillow's modes rather than libpng's defaults: 16-bit samples keep their high byte, except 16-bit
// grey which Pillow holds as 32-bit integers and clips to 255 when converting to "L"; 1/2/4-bit
// grey is scaled to 0..255; palettes stay indices and go through the palette's luma; tRNS and
// gamma are ignored. Interlaced rows are placed pass by pass without replication, as Pillow does.
// Errors longjmp back into PngDecoder; its frames hold no object with a destructor.

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <csetjmp>
#include <cstring>
#include <exception>
#include <vector>

#include "decoders.hpp"

namespace aotf::image::detail {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct PngHeader {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// Walks the chunks before the image data. Pillow checks the CRC of every critical chunk there (and,
// with LOAD_TRUNCATED_IMAGES, skips the ancillary ones); it never checks the CRC of IDAT. libpng
// is told to ignore CRCs, and this walk reports the ones Pillow would refuse. It also reads the
// size from IHDR, so the pixel limit holds before libpng allocates anything.
PngHeader walk_header(std::span<const std::uint8_t> data) {
  PngHeader header;
  std::size_t pos = 8;
  while (pos + 12 <= data.size()) {
    const std::uint32_t length = be32(&data[pos]);
    const std::uint8_t* type = &data[pos + 4];
    if (std::memcmp(type, "IDAT", 4) == 0) break;
    if (length > data.size() - pos - 12) break;  // truncated: libpng says so
    const bool critical = (type[0] & 0x20) == 0;
    if (critical) {
      uLong crc = crc32(0L, type, 4 + length);
      if (static_cast<std::uint32_t>(crc) != be32(&data[pos + 8 + length]))
        fail(Format::Png, "CRC error in " + std::string(reinterpret_cast<const char*>(type), 4));
    }
    if (pos == 8 && std::memcmp(type, "IHDR", 4) == 0 && length >= 8) {
      header.width = be32(&data[pos + 8]);
      header.height = be32(&data[pos + 12]);
    }
    pos += 12 + length;
  }
  return header;
}

// libpng's progressive reader: it is handed all the bytes there are and delivers every row it can
// complete, which is exactly what Pillow keeps of a truncated file. Callbacks run inside libpng (C
// code), so they never throw through it: they record the exception and png_longjmp out.
class PngDecoder {
public:
  PngDecoder(std::span<const std::uint8_t> data, RowSink* sink, const DecodeLimits& limits)
      : data_(data), sink_(sink), limits_(limits) {}
  ~PngDecoder() {
    if (png_) png_destroy_read_struct(&png_, info_ ? &info_ : nullptr, nullptr);
  }
  PngDecoder(const PngDecoder&) = delete;
  PngDecoder& operator=(const PngDecoder&) = delete;

  // Reads the header, then (with a sink) every row. Throws ImageDecodeError when the header
  // cannot be read, ImageTooBig past the limits.
  void run() {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, this, &PngDecoder::on_error, &PngDecoder::on_warning);
    if (png_) info_ = png_create_info_struct(png_);
    if (!png_ || !info_) fail(Format::Png, "cannot create a decoder");
    if (setjmp(png_jmpbuf(png_))) {
      after_jump();
      return;
    }
    png_set_crc_action(png_, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    // libpng refuses sides over 1,000,000 by default; Pillow does not, and the pixel limit has
    // been checked from IHDR already.
    png_set_user_limits(png_, 0x7fffffff, 0x7fffffff);
    png_set_benign_errors(png_, 1);
#ifdef PNG_IGNORE_ADLER32
    png_set_option(png_, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_set_progressive_read_fn(png_, this, &PngDecoder::on_info, &PngDecoder::on_row, nullptr);
    png_process_data(png_, info_, const_cast<png_bytep>(data_.data()), data_.size());
    after_jump();  // all the data was consumed: finish what is missing
  }

  png_uint_32 width() const { return width_; }
  png_uint_32 height() const { return height_; }

private:
  void after_jump() {
    if (pending_) std::rethrow_exception(pending_);
    if (!header_done_) fail(Format::Png, message_.empty() ? "file is truncated" : message_);
    if (!sink_) return;
    // Pillow keeps what was decoded and leaves zero samples elsewhere, which still go through the
    // palette or the luma conversion.
    if (interlaced_) {
      for (png_uint_32 y = 0; y < height_; ++y) sink_->row(&grey_image_[static_cast<std::size_t>(y) * width_]);
      return;
    }
    std::fill(raw_.begin(), raw_.end(), 0);
    convert_row(raw_.data(), grey_.data(), width_);
    for (; rows_done_ < height_; ++rows_done_) sink_->row(grey_.data());
  }

  static void on_info(png_structp png, png_infop info) {
    auto* self = static_cast<PngDecoder*>(png_get_progressive_ptr(png));
    try {
      self->start(info);
    } catch (...) {
      self->pending_ = std::current_exception();
    }
    // Never longjmp from inside a catch block: the exception must be released first.
    if (self->pending_ || !self->sink_) png_longjmp(png, 1);  // failed, or header only
  }

  void start(png_infop info) {
    width_ = png_get_image_width(png_, info);
    height_ = png_get_image_height(png_, info);
    depth_ = png_get_bit_depth(png_, info);
    color_ = png_get_color_type(png_, info);
    interlaced_ = png_get_interlace_type(png_, info) != PNG_INTERLACE_NONE;
    header_done_ = true;
    if (!sink_) return;
    check_pixels(Format::Png, width_, height_, limits_);
    if (color_ == PNG_COLOR_TYPE_PALETTE) {
      png_colorp palette = nullptr;
      int count = 0;
      lut_.fill(0);
      if (png_get_PLTE(png_, info, &palette, &count) & PNG_INFO_PLTE) {
        for (int i = 0; i < count && i < 256; ++i)
          lut_[static_cast<std::size_t>(i)] = luma(palette[i].red, palette[i].green, palette[i].blue);
      }
      if (depth_ < 8) png_set_packing(png_);
    } else if (color_ == PNG_COLOR_TYPE_GRAY) {
      if (depth_ < 8) png_set_expand_gray_1_2_4_to_8(png_);
    } else if (depth_ == 16) {
      png_set_strip_16(png_);
    }
    // No png_set_interlace_handling: each pass row arrives as it is and is placed here, pixel by
    // pixel, without libpng's replication.
    png_read_update_info(png_, info);  // rowbytes after the transforms above
    // convert_row reads at most 8 bytes per pixel (16-bit RGBA before stripping never reaches it).
    raw_.assign(std::max<std::size_t>(png_get_rowbytes(png_, info), static_cast<std::size_t>(width_) * 8), 0);
    grey_.assign(width_, 0);
    if (interlaced_) {
      convert_row(raw_.data(), grey_.data(), width_);
      grey_image_.assign(static_cast<std::size_t>(width_) * height_, grey_[0]);
    }
    sink_->start(static_cast<int>(width_), static_cast<int>(height_));
  }

  static void on_row(png_structp png, png_bytep row, png_uint_32 row_num, int pass) {
    auto* self = static_cast<PngDecoder*>(png_get_progressive_ptr(png));
    if (!row) return;
    try {
      self->take_row(row, row_num, pass);
    } catch (...) {
      self->pending_ = std::current_exception();
    }
    if (self->pending_) png_longjmp(png, 1);
  }

  void take_row(const std::uint8_t* row, png_uint_32 row_num, int pass) {
    if (!interlaced_) {
      if (row_num != rows_done_) return;
      convert_row(row, grey_.data(), width_);
      sink_->row(grey_.data());
      ++rows_done_;
      return;
    }
    static constexpr png_uint_32 kX0[] = {0, 4, 0, 2, 0, 1, 0}, kDx[] = {8, 8, 4, 4, 2, 2, 1};
    static constexpr png_uint_32 kY0[] = {0, 0, 4, 0, 2, 0, 1}, kDy[] = {8, 8, 8, 4, 4, 2, 2};
    if (pass < 0 || pass > 6) return;
    const auto p = static_cast<std::size_t>(pass);
    const png_uint_32 y = kY0[p] + row_num * kDy[p];
    if (y >= height_ || kX0[p] >= width_) return;
    const png_uint_32 count = (width_ - kX0[p] + kDx[p] - 1) / kDx[p];
    convert_row(row, grey_.data(), count);
    std::uint8_t* out = &grey_image_[static_cast<std::size_t>(y) * width_];
    for (png_uint_32 i = 0; i < count; ++i) out[kX0[p] + i * kDx[p]] = grey_[i];
  }

  void convert_row(const std::uint8_t* in, std::uint8_t* out, std::size_t n) const {
    switch (color_) {
      case PNG_COLOR_TYPE_GRAY:
        if (depth_ == 16) {
          for (std::size_t x = 0; x < n; ++x, in += 2) out[x] = in[0] ? 255 : in[1];
        } else {
          std::memcpy(out, in, n);
        }
        break;
      case PNG_COLOR_TYPE_GRAY_ALPHA:
        for (std::size_t x = 0; x < n; ++x, in += 2) out[x] = in[0];
        break;
      case PNG_COLOR_TYPE_RGB:
        for (std::size_t x = 0; x < n; ++x, in += 3) out[x] = luma(in[0], in[1], in[2]);
        break;
      case PNG_COLOR_TYPE_RGB_ALPHA:
        for (std::size_t x = 0; x < n; ++x, in += 4) out[x] = luma(in[0], in[1], in[2]);
        break;
      case PNG_COLOR_TYPE_PALETTE:
        for (std::size_t x = 0; x < n; ++x) out[x] = lut_[in[x]];
        break;
      default:
        std::memset(out, 0, n);
    }
  }

  static void on_error(png_structp png, png_const_charp message) {
    auto* self = static_cast<PngDecoder*>(png_get_error_ptr(png));
    self->message_ = message ? message : "unknown error";
    png_longjmp(png, 1);
  }

  static void on_warning(png_structp, png_const_charp) {}

  std::span<const std::uint8_t> data_;
  RowSink* sink_;
  DecodeLimits limits_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
  std::string message_;
  std::exception_ptr pending_;
  png_uint_32 width_ = 0, height_ = 0;
  int depth_ = 0, color_ = 0;
  bool header_done_ = false;
  bool interlaced_ = false;
  png_uint_32 rows_done_ = 0;
  std::array<std::uint8_t, 256> lut_{};
  std::vector<std::uint8_t> raw_;
  std::vector<std::uint8_t> grey_;
  std::vector<std::uint8_t> grey_image_;  // interlaced images only
};

}  // namespace

ImageInfo read_png_info(std::span<const std::uint8_t> data) {
  const PngHeader header = walk_header(data);
  if (header.width == 0 || header.height == 0) fail(Format::Png, "IHDR missing or invalid");
  return {Format::Png, static_cast<int>(header.width), static_cast<int>(header.height)};
}

void decode_png(const DecodeRequest& request, RowSink& sink) {
  const PngHeader header = walk_header(request.data);
  check_pixels(Format::Png, header.width, header.height, request.limits);
  PngDecoder decoder(request.data, &sink, request.limits);
  decoder.run();
}

}  // namespace aotf::image::detail
