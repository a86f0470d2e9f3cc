// Format sniffing, limits and the full-image entry points.

#include <cstdio>
#include <cstring>

#include "decoders.hpp"

namespace aotf::image {

std::string_view to_string(Format format) noexcept {
  switch (format) {
    case Format::Jpeg: return "JPEG";
    case Format::Png: return "PNG";
    case Format::Webp: return "WebP";
    case Format::Gif: return "GIF";
  }
  return "?";
}

Format sniff_format(std::span<const std::uint8_t> data) {
  auto starts = [&](const char* magic, std::size_t offset = 0) {
    const std::size_t n = std::strlen(magic);
    return data.size() >= offset + n && std::memcmp(data.data() + offset, magic, n) == 0;
  };
  if (starts("\xFF\xD8\xFF")) return Format::Jpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return Format::Png;
  if (starts("GIF87a") || starts("GIF89a")) return Format::Gif;
  if (starts("RIFF") && starts("WEBP", 8)) return Format::Webp;
  if (data.empty()) throw ImageDecodeError("not an image: the file is empty");
  std::string hex;
  for (std::size_t i = 0; i < data.size() && i < 4; ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, i ? " %02x" : "%02x", data[i]);
    hex += byte;
  }
  throw ImageDecodeError("not an image: unknown signature " + hex);
}

namespace detail {

void fail(Format format, const std::string& message) {
  throw ImageDecodeError(std::string(to_string(format)) + ": " + message);
}

void check_pixels(Format format, std::uint64_t width, std::uint64_t height, const DecodeLimits& limits) {
  if (width * height > limits.max_pixels) {
    throw ImageTooBig(std::string(to_string(format)) + ": image is " + std::to_string(width) + "x" +
                      std::to_string(height) + " pixels, more than the limit of " + std::to_string(limits.max_pixels));
  }
}

namespace {
void check_bytes(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  if (data.size() > limits.max_bytes) {
    throw ImageTooBig("image is " + std::to_string(data.size()) + " bytes, more than the limit of " +
                      std::to_string(limits.max_bytes));
  }
}
}  // namespace

void decode(const DecodeRequest& request, RowSink& sink) {
  check_bytes(request.data, request.limits);
  switch (sniff_format(request.data)) {
    case Format::Jpeg: return decode_jpeg(request, sink);
    case Format::Png: return decode_png(request, sink);
    case Format::Webp: return decode_webp(request, sink);
    case Format::Gif: return decode_gif(request, sink);
  }
}

}  // namespace detail

ImageInfo read_info(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  detail::check_bytes(data, limits);
  ImageInfo info;
  switch (sniff_format(data)) {
    case Format::Jpeg: info = detail::read_jpeg_info(data); break;
    case Format::Png: info = detail::read_png_info(data); break;
    case Format::Webp: info = detail::read_webp_info(data); break;
    case Format::Gif: info = detail::read_gif_info(data); break;
  }
  detail::check_pixels(info.format, static_cast<std::uint64_t>(info.width), static_cast<std::uint64_t>(info.height), limits);
  return info;
}

namespace {
class GreyImageSink final : public detail::RowSink {
public:
  explicit GreyImageSink(GreyImage& image) : image_(image) {}
  void start(int width, int height) override {
    image_.width = width;
    image_.height = height;
    image_.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    next_ = image_.pixels.data();
  }
  void row(const std::uint8_t* grey) override {
    std::memcpy(next_, grey, static_cast<std::size_t>(image_.width));
    next_ += image_.width;
  }

private:
  GreyImage& image_;
  std::uint8_t* next_ = nullptr;
};
}  // namespace

GreyImage decode_grey(std::span<const std::uint8_t> encoded, const DecodeLimits& limits) {
  GreyImage image;
  GreyImageSink sink(image);
  detail::decode({encoded, limits, 0}, sink);
  return image;
}

}  // namespace aotf::image
