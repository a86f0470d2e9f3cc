// JPEG with libjpeg-turbo, the library Pillow itself decodes with (same IDCT, same upsampling, so
// the same RGB values). libjpeg reports fatal errors through error_exit, which must not return:
// it longjmps back into JpegDecoder::run, whose frame holds no object with a destructor.

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include <jpeglib.h>

#include "decoders.hpp"

namespace aotf::image::detail {
namespace {

struct JpegErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpeg_on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings ("Corrupt JPEG data: premature end of data segment") are not errors: Pillow ignores
// them too and keeps what was decoded.
extern "C" void jpeg_on_message(j_common_ptr, int) {}

__attribute__((target_clones("avx2", "default"))) void rgbx_to_luma(const std::uint8_t* in, std::uint8_t* grey,
                                                                     std::size_t width) {
  // Whole 32-bit pixels (little-endian: R in the low byte) vectorise; byte loads do not.
  for (std::size_t x = 0; x < width; ++x) {
    std::uint32_t pixel;
    std::memcpy(&pixel, in + 4 * x, 4);
    const std::uint32_t r = pixel & 0xFF, g = (pixel >> 8) & 0xFF, b = (pixel >> 16) & 0xFF;
    grey[x] = static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
  }
}

// The same luma, written as the 16-bit pixels the resampler works on.
__attribute__((target_clones("avx2", "default"))) void rgbx_to_luma16(const std::uint8_t* in, std::int16_t* grey,
                                                                       std::size_t width) {
  for (std::size_t x = 0; x < width; ++x) {
    std::uint32_t pixel;
    std::memcpy(&pixel, in + 4 * x, 4);
    const std::uint32_t r = pixel & 0xFF, g = (pixel >> 8) & 0xFF, b = (pixel >> 16) & 0xFF;
    grey[x] = static_cast<std::int16_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
  }
}

// Pillow keeps the rows a damaged file did not deliver at zero in its own mode: black for grey and
// RGB, white for CMYK (zero ink).
std::uint8_t missing_row_value(J_COLOR_SPACE out) { return out == JCS_CMYK ? 255 : 0; }

class JpegDecoder {
public:
  JpegDecoder() {
    cinfo_.err = jpeg_std_error(&err_.pub);
    err_.pub.error_exit = jpeg_on_error;
    err_.pub.emit_message = jpeg_on_message;
    err_.message[0] = '\0';
  }
  ~JpegDecoder() {
    if (created_) jpeg_destroy_decompress(&cinfo_);
  }
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Reads the header only. Returns false (message in message()) when libjpeg failed.
  bool read_header(std::span<const std::uint8_t> data) {
    if (setjmp(err_.jump)) return false;
    jpeg_create_decompress(&cinfo_);
    created_ = true;
    jpeg_mem_src(&cinfo_, data.data(), static_cast<unsigned long>(data.size()));
    jpeg_read_header(&cinfo_, TRUE);
    return true;
  }

  // Decodes all rows into the sink. Returns false when libjpeg failed before the output size was
  // known; a failure after that keeps the rows decoded so far and fills the rest, as Pillow does.
  bool decode(RowSink& sink, J_COLOR_SPACE out, int scale_num) {
    if (setjmp(err_.jump)) {
      // The header was read, so Pillow would have opened the file and kept whatever the decoder
      // delivered (nothing, if it failed before the first row).
      if (!started_) {
        if (!dimensions_known_) return false;
        grey_.resize(cinfo_.output_width);
        sink.start(static_cast<int>(cinfo_.output_width), static_cast<int>(cinfo_.output_height));
        started_ = true;
      }
      const std::uint8_t fill = missing_row_value(out);
      std::fill(grey_.begin(), grey_.end(), fill);
      for (; rows_done_ < cinfo_.output_height; ++rows_done_) sink.row(grey_.data());
      return true;
    }
    cinfo_.out_color_space = out;
    cinfo_.scale_num = static_cast<unsigned>(scale_num);
    cinfo_.scale_denom = 8;
    jpeg_calc_output_dimensions(&cinfo_);
    dimensions_known_ = true;
    jpeg_start_decompress(&cinfo_);
    const std::size_t width = cinfo_.output_width;
    // Several rows per call: libjpeg produces a whole row group at once, and one row per call
    // costs an extra copy through its spare buffer.
    const std::size_t stride = width * static_cast<std::size_t>(cinfo_.output_components);
    constexpr int kBatch = 16;
    scanline_.resize(stride * kBatch);
    JSAMPROW rows[kBatch];
    for (int i = 0; i < kBatch; ++i) rows[i] = &scanline_[stride * static_cast<std::size_t>(i)];
    grey_.resize(width);
    sink.start(static_cast<int>(cinfo_.output_width), static_cast<int>(cinfo_.output_height));
    started_ = true;
    while (rows_done_ < cinfo_.output_height) {
      const JDIMENSION got = jpeg_read_scanlines(&cinfo_, rows, kBatch);
      if (got == 0) break;  // cannot happen with a memory source
      for (JDIMENSION i = 0; i < got; ++i) {
        std::int16_t* wide = out == JCS_EXT_RGBX || out == JCS_GRAYSCALE ? sink.wide_row_buffer() : nullptr;
        if (wide) {
          if (out == JCS_EXT_RGBX) {
            rgbx_to_luma16(rows[i], wide, width);
          } else {
            for (std::size_t x = 0; x < width; ++x) wide[x] = rows[i][x];
          }
          sink.wide_row();
        } else {
          convert_row(rows[i], out, width);
          sink.row(grey_.data());
        }
        ++rows_done_;
      }
    }
    return true;
  }

  jpeg_decompress_struct& cinfo() { return cinfo_; }
  const char* message() const { return err_.message; }

private:
  void convert_row(const std::uint8_t* in, J_COLOR_SPACE out, std::size_t width) {
    std::uint8_t* grey = grey_.data();
    if (out == JCS_GRAYSCALE) {
      std::copy(in, in + width, grey);
    } else if (out == JCS_EXT_RGBX) {
      rgbx_to_luma(in, grey, width);
    } else {
      // Pillow reads every CMYK JPEG as Adobe-inverted ("CMYK;I").
      for (std::size_t x = 0; x < width; ++x, in += 4)
        grey[x] = cmyk_luma(255u - in[0], 255u - in[1], 255u - in[2], 255u - in[3]);
    }
  }

  jpeg_decompress_struct cinfo_{};
  JpegErrorManager err_{};
  bool created_ = false;
  bool started_ = false;
  bool dimensions_known_ = false;
  JDIMENSION rows_done_ = 0;
  std::vector<std::uint8_t> scanline_;
  std::vector<std::uint8_t> grey_;
};

J_COLOR_SPACE output_space(const jpeg_decompress_struct& cinfo, bool luma_only) {
  switch (cinfo.num_components) {
    case 1: return JCS_GRAYSCALE;
    // RGBX rather than RGB: the same values (Pillow itself asks for RGBX), and 4-byte pixels let
    // the luma loop vectorise.
    case 3: return luma_only && cinfo.jpeg_color_space == JCS_YCbCr ? JCS_GRAYSCALE : JCS_EXT_RGBX;
    case 4: return JCS_CMYK;
    default: fail(Format::Jpeg, std::to_string(cinfo.num_components) + " colour components are not supported");
  }
}

// The largest DCT-domain reduction (1/8, 1/4, 1/2) that keeps both sides >= min_side.
int scale_for(const jpeg_decompress_struct& cinfo, int min_side) {
  if (min_side <= 0) return 8;
  const unsigned shortest = std::min(cinfo.image_width, cinfo.image_height);
  for (int num : {1, 2, 4}) {
    if ((shortest * static_cast<unsigned>(num) + 7) / 8 >= static_cast<unsigned>(min_side)) return num;
  }
  return 8;
}

}  // namespace

ImageInfo read_jpeg_info(std::span<const std::uint8_t> data) {
  JpegDecoder decoder;
  if (!decoder.read_header(data)) fail(Format::Jpeg, decoder.message());
  return {Format::Jpeg, static_cast<int>(decoder.cinfo().image_width), static_cast<int>(decoder.cinfo().image_height)};
}

void decode_jpeg(const DecodeRequest& request, RowSink& sink) {
  JpegDecoder decoder;
  if (!decoder.read_header(request.data)) fail(Format::Jpeg, decoder.message());
  auto& cinfo = decoder.cinfo();
  check_pixels(Format::Jpeg, cinfo.image_width, cinfo.image_height, request.limits);
  const bool fast = request.reduce_to_min_side > 0;
  const J_COLOR_SPACE out = output_space(cinfo, fast);
  if (fast) {
    // Fast mode trades bit-exactness for speed: no fancy upsampling is needed for luma only,
    // and the integer IDCT stays (the fast one visibly shifts fingerprints).
    cinfo.do_fancy_upsampling = FALSE;
  }
  if (!decoder.decode(sink, out, scale_for(cinfo, request.reduce_to_min_side))) fail(Format::Jpeg, decoder.message());
}

}  // namespace aotf::image::detail
