// GIF with giflib: the first frame, placed on the logical screen the way Pillow 9.4 does it (the
// screen grows to hold a frame that extends past it; pixels outside the frame hold the frame's
// transparent index, or index 0), then each index goes through the frame's colour table (local,
// else global) and the luma conversion. A truncated frame keeps the rows decoded so far.

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "decoders.hpp"

namespace aotf::image::detail {
namespace {

struct Reader {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;
};

extern "C" int gif_read(GifFileType* gif, GifByteType* out, int length) {
  auto* reader = static_cast<Reader*>(gif->UserData);
  const std::size_t n = std::min(static_cast<std::size_t>(std::max(length, 0)), reader->data.size() - reader->pos);
  std::memcpy(out, reader->data.data() + reader->pos, n);
  reader->pos += n;
  return static_cast<int>(n);
}

std::string gif_message(int code) {
  const char* text = GifErrorString(code);
  return text ? text : "error " + std::to_string(code);
}

class GifFile {
public:
  explicit GifFile(std::span<const std::uint8_t> data) : reader_{data, 0} {
    int error = 0;
    gif_ = DGifOpen(&reader_, gif_read, &error);
    if (!gif_) fail(Format::Gif, gif_message(error));
  }
  ~GifFile() {
    int error = 0;
    if (gif_) DGifCloseFile(gif_, &error);
  }
  GifFile(const GifFile&) = delete;
  GifFile& operator=(const GifFile&) = delete;
  GifFileType* operator->() const { return gif_; }
  GifFileType* get() const { return gif_; }

private:
  Reader reader_;
  GifFileType* gif_ = nullptr;
};

[[noreturn]] void fail_gif(const GifFile& gif) { fail(Format::Gif, gif_message(gif->Error)); }

}  // namespace

ImageInfo read_gif_info(std::span<const std::uint8_t> data) {
  GifFile gif(data);
  return {Format::Gif, gif->SWidth, gif->SHeight};
}

void decode_gif(const DecodeRequest& request, RowSink& sink) {
  GifFile gif(request.data);
  check_pixels(Format::Gif, static_cast<std::uint64_t>(gif->SWidth), static_cast<std::uint64_t>(gif->SHeight),
               request.limits);
  int transparent = -1;
  for (;;) {
    GifRecordType record;
    if (DGifGetRecordType(gif.get(), &record) == GIF_ERROR) fail_gif(gif);
    if (record == TERMINATE_RECORD_TYPE) fail(Format::Gif, "no image in the file");
    if (record == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif.get(), &code, &ext) == GIF_ERROR) fail_gif(gif);
      if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) transparent = (ext[1] & 1) ? ext[4] : -1;
      while (ext) {
        if (DGifGetExtensionNext(gif.get(), &ext) == GIF_ERROR) fail_gif(gif);
      }
      continue;
    }
    if (record != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) fail_gif(gif);
    break;
  }

  const GifImageDesc& frame = gif->Image;
  const std::uint64_t width = std::max<std::uint64_t>(static_cast<std::uint64_t>(gif->SWidth),
                                                      static_cast<std::uint64_t>(frame.Left) + static_cast<std::uint64_t>(frame.Width));
  const std::uint64_t height = std::max<std::uint64_t>(static_cast<std::uint64_t>(gif->SHeight),
                                                       static_cast<std::uint64_t>(frame.Top) + static_cast<std::uint64_t>(frame.Height));
  check_pixels(Format::Gif, width, height, request.limits);
  if (width == 0 || height == 0) fail(Format::Gif, "image has no pixels");

  std::array<std::uint8_t, 256> lut{};
  const ColorMapObject* map = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
  if (map) {
    for (int i = 0; i < map->ColorCount && i < 256; ++i)
      lut[static_cast<std::size_t>(i)] = luma(map->Colors[i].Red, map->Colors[i].Green, map->Colors[i].Blue);
  } else {
    for (std::size_t i = 0; i < 256; ++i) lut[i] = static_cast<std::uint8_t>(i);
  }

  const auto w = static_cast<std::size_t>(width);
  std::vector<std::uint8_t> indices(w * static_cast<std::size_t>(height), static_cast<std::uint8_t>(transparent >= 0 ? transparent : 0));
  std::vector<GifPixelType> line(static_cast<std::size_t>(std::max(frame.Width, 1)));
  auto put_row = [&](int y) {
    std::memcpy(&indices[static_cast<std::size_t>(frame.Top + y) * w + static_cast<std::size_t>(frame.Left)], line.data(),
                static_cast<std::size_t>(frame.Width));
  };
  // A line cut short by the end of the data keeps the pixels decoded before it (giflib writes
  // them as it goes), like Pillow's decoder; the rest of it keeps the screen's fill.
  const auto fill = static_cast<GifPixelType>(transparent >= 0 ? transparent : 0);
  auto read_line = [&](int y) {
    std::fill(line.begin(), line.end(), fill);
    const bool ok = DGifGetLine(gif.get(), line.data(), frame.Width) != GIF_ERROR;
    put_row(y);
    return ok;
  };
  if (frame.Width > 0) {
    if (frame.Interlace) {
      static constexpr int kOffset[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
      bool complete = true;
      for (int pass = 0; pass < 4 && complete; ++pass)
        for (int y = kOffset[pass]; y < frame.Height && complete; y += kStep[pass]) complete = read_line(y);
    } else {
      for (int y = 0; y < frame.Height; ++y)
        if (!read_line(y)) break;
    }
  }

  std::vector<std::uint8_t> grey(w);
  sink.start(static_cast<int>(width), static_cast<int>(height));
  for (std::size_t y = 0; y < static_cast<std::size_t>(height); ++y) {
    const std::uint8_t* in = &indices[y * w];
    for (std::size_t x = 0; x < w; ++x) grey[x] = lut[in[x]];
    sink.row(grey.data());
  }
}

}  // namespace aotf::image::detail
