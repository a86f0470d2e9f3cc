#pragma once
// Pillow's Lanczos resampling of an 8-bit grey image (src/libImaging/Resample.c, Pillow 9.4),
// reproduced bit for bit and fed row by row, so the full-size image never has to exist.

#include <cstdint>
#include <vector>

#include "decoders.hpp"

namespace aotf::image::detail {

// precompute_coeffs() + normalize_coeffs_8bpc(): for output pixel i, taps bounds[2i] ..
// bounds[2i] + bounds[2i+1] - 1 of the input, with weights k[i * ksize + tap] in 22-bit fixed point.
struct LanczosCoefficients {
  int ksize = 0;
  std::vector<int> bounds;
  std::vector<std::int32_t> k;
};
[[nodiscard]] LanczosCoefficients lanczos_coefficients(int in_size, int out_size);

// A RowSink that resizes to out_width × out_height as rows arrive: the horizontal pass runs on each
// input row the vertical pass will read; the vertical pass runs in finish().
class LanczosResampler final : public RowSink {
public:
  LanczosResampler(int out_width, int out_height);
  void start(int width, int height) override;
  void row(const std::uint8_t* grey) override;
  std::int16_t* wide_row_buffer() override;
  void wide_row() override;
  // Writes out_width × out_height pixels. Requires every row to have been delivered.
  void finish(std::uint8_t* out) const;

private:
  int out_width_, out_height_;
  int in_width_ = 0, in_height_ = 0;
  int next_row_ = 0;
  bool need_horizontal_ = false;
  int first_row_ = 0, last_row_ = 0;  // rows of the input the vertical pass reads: [first, last)
  LanczosCoefficients horizontal_, vertical_;
  std::vector<std::uint8_t> rows_;  // horizontally resampled rows first_row_ .. last_row_-1
  // Horizontal weights split for 16-bit multiply-adds (see resample.cpp), and the current row
  // widened to 16 bits with zero padding for the padded taps.
  int taps_ = 0;
  std::vector<int> xmins_;
  std::vector<std::int16_t> hi_, lo_;
  std::vector<std::int16_t> wide_;
};

}  // namespace aotf::image::detail
