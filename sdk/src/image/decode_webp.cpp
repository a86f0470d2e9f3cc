// WebP with libwebp's animation decoder (libwebpdemux), the API Pillow 9.4 uses for every WebP
// file, still or animated: the first frame is composed on the canvas in RGBA, and grey is the luma
// of its RGB (alpha ignored, as Pillow's convert("L") does). A truncated WebP cannot be demuxed;
// the original refused it too.

#include <webp/decode.h>
#include <webp/demux.h>

#include <memory>
#include <vector>

#include "decoders.hpp"

namespace aotf::image::detail {
namespace {

struct DemuxDeleter {
  void operator()(WebPDemuxer* demux) const { WebPDemuxDelete(demux); }
};
struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

ImageInfo canvas_info(std::span<const std::uint8_t> data) {
  WebPData webp{data.data(), data.size()};
  std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&webp));
  if (!demux) {
    WebPBitstreamFeatures features;
    const VP8StatusCode status = WebPGetFeatures(data.data(), data.size(), &features);
    if (status == VP8_STATUS_NOT_ENOUGH_DATA) fail(Format::Webp, "file is truncated");
    fail(Format::Webp, "invalid container or bitstream");
  }
  return {Format::Webp, static_cast<int>(WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH)),
          static_cast<int>(WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT))};
}

}  // namespace

ImageInfo read_webp_info(std::span<const std::uint8_t> data) { return canvas_info(data); }

void decode_webp(const DecodeRequest& request, RowSink& sink) {
  const ImageInfo info = canvas_info(request.data);
  check_pixels(Format::Webp, static_cast<std::uint64_t>(info.width), static_cast<std::uint64_t>(info.height),
               request.limits);
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) fail(Format::Webp, "libwebp version mismatch");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  WebPData webp{request.data.data(), request.data.size()};
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(WebPAnimDecoderNew(&webp, &options));
  if (!decoder) fail(Format::Webp, "cannot decode the bitstream");
  std::uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) || canvas == nullptr)
    fail(Format::Webp, "cannot decode the first frame");
  const auto width = static_cast<std::size_t>(info.width);
  std::vector<std::uint8_t> grey(width);
  sink.start(info.width, info.height);
  for (int y = 0; y < info.height; ++y) {
    const std::uint8_t* in = canvas + static_cast<std::size_t>(y) * width * 4;
    for (std::size_t x = 0; x < width; ++x, in += 4) grey[x] = luma(in[0], in[1], in[2]);
    sink.row(grey.data());
  }
}

}  // namespace aotf::image::detail
