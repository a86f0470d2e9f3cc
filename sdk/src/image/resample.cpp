// Bit-exactness with Pillow rests on three things: the coefficients are computed with the same
// double-precision operations in the same order (this file is compiled with -ffp-contract=off so
// no multiply-add is fused), they are rounded to int32 the same way, and the sums use the same
// 32-bit integer arithmetic and clipping. Integer sums are associative, so the compiler may
// vectorise them freely.

#include "resample.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace aotf::image::detail {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * M_PI;
  return std::sin(x) / x;
}

double lanczos(double x) {
  if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3);
  return 0.0;
}

// Pillow's clip8 (a lookup table over -640..639 after the shift: the same as clamping).
inline std::uint8_t clip8(int in) {
  if (in <= 0) return 0;
  const int v = in >> kPrecisionBits;
  return v >= 255 ? 255 : static_cast<std::uint8_t>(v);
}

// One row of the horizontal pass, the hottest loop of the exact fingerprint. Each 22-bit weight k
// is split as k = hi·2048 + lo (hi signed, lo in 0..2047, both 16-bit), so the products are
// 16×16-bit multiply-adds the compiler turns into pmaddwd, and
//   Σ p·k = 2048·Σ p·hi + Σ p·lo
// is the same integer Pillow's 32-bit sum gives (no partial sum can overflow: |Σ p·hi| < 2^20,
// Σ p·lo < 2^28). The padded taps have zero weights; the row has zero padding behind it.
__attribute__((target_clones("avx2", "default"))) void horizontal_row(const std::int16_t* wide, std::uint8_t* out,
                                                                       int out_width, const int* xmins,
                                                                       const std::int16_t* hi, const std::int16_t* lo,
                                                                       int taps) {
  for (int xx = 0; xx < out_width; ++xx) {
    const std::int16_t* src = wide + xmins[xx];
    const std::int16_t* h = hi + static_cast<std::ptrdiff_t>(xx) * taps;
    const std::int16_t* l = lo + static_cast<std::ptrdiff_t>(xx) * taps;
    std::int32_t sum_hi = 0, sum_lo = 0;
    for (int x = 0; x < taps; ++x) {
      sum_hi += static_cast<std::int32_t>(src[x]) * h[x];
      sum_lo += static_cast<std::int32_t>(src[x]) * l[x];
    }
    out[xx] = clip8((1 << (kPrecisionBits - 1)) + sum_hi * 2048 + sum_lo);
  }
}

LanczosCoefficients cached_coefficients(int in_size, int out_size);

__attribute__((target_clones("avx2", "default"))) void vertical_row(const std::uint8_t* row, std::int32_t k,
                                                                     std::int32_t* sums, std::size_t width) {
  for (std::size_t x = 0; x < width; ++x) sums[x] += static_cast<std::int32_t>(row[x]) * k;
}

}  // namespace

LanczosCoefficients lanczos_coefficients(int in_size, int out_size) {
  // Pillow passes the box as floats: in0 = 0, in1 = in_size.
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  double scale = static_cast<double>(in1 - in0) / out_size;
  double filterscale = scale;
  if (filterscale < 1.0) filterscale = 1.0;
  const double support = 3.0 * filterscale;
  const int ksize = static_cast<int>(std::ceil(support)) * 2 + 1;

  LanczosCoefficients c;
  c.ksize = ksize;
  c.bounds.resize(static_cast<std::size_t>(out_size) * 2);
  std::vector<double> kk(static_cast<std::size_t>(out_size) * static_cast<std::size_t>(ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double* k = &kk[static_cast<std::size_t>(xx) * static_cast<std::size_t>(ksize)];
    int x = 0;
    for (; x < xmax; ++x) {
      const double w = lanczos((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
    }
    for (; x < ksize; ++x) k[x] = 0;
    c.bounds[static_cast<std::size_t>(xx) * 2] = xmin;
    c.bounds[static_cast<std::size_t>(xx) * 2 + 1] = xmax;
  }
  c.k.resize(kk.size());
  for (std::size_t i = 0; i < kk.size(); ++i) {
    c.k[i] = kk[i] < 0 ? static_cast<std::int32_t>(-0.5 + kk[i] * (1 << kPrecisionBits))
                       : static_cast<std::int32_t>(0.5 + kk[i] * (1 << kPrecisionBits));
  }
  return c;
}

namespace {
// Images of one site often share their sizes (2048 px for the large Twitter variant, for
// instance), and computing the weights costs thousands of sin() calls. A few recent sets per
// thread are kept; a copy is cheaper than recomputing.
LanczosCoefficients cached_coefficients(int in_size, int out_size) {
  struct Entry {
    int in_size, out_size;
    LanczosCoefficients coefficients;
  };
  constexpr std::size_t kEntries = 8;
  thread_local std::vector<Entry> cache;
  thread_local std::size_t next = 0;
  for (const auto& e : cache)
    if (e.in_size == in_size && e.out_size == out_size) return e.coefficients;
  LanczosCoefficients c = lanczos_coefficients(in_size, out_size);
  if (cache.size() < kEntries) {
    cache.push_back({in_size, out_size, c});
  } else {
    cache[next] = {in_size, out_size, c};
    next = (next + 1) % kEntries;
  }
  return c;
}
}  // namespace

LanczosResampler::LanczosResampler(int out_width, int out_height) : out_width_(out_width), out_height_(out_height) {}

void LanczosResampler::start(int width, int height) {
  if (width <= 0 || height <= 0) throw ImageDecodeError("image has no pixels");
  in_width_ = width;
  in_height_ = height;
  next_row_ = 0;
  need_horizontal_ = width != out_width_;
  horizontal_ = cached_coefficients(width, out_width_);
  vertical_ = cached_coefficients(height, out_height_);
  first_row_ = vertical_.bounds[0];
  last_row_ = vertical_.bounds[static_cast<std::size_t>(out_height_) * 2 - 2] +
              vertical_.bounds[static_cast<std::size_t>(out_height_) * 2 - 1];
  for (int i = 0; i < out_height_; ++i) vertical_.bounds[static_cast<std::size_t>(i) * 2] -= first_row_;
  rows_.assign(static_cast<std::size_t>(last_row_ - first_row_) * static_cast<std::size_t>(out_width_), 0);

  // The split weights, each output's taps padded to a multiple of 16 with zeros.
  int longest = 0;
  for (int xx = 0; xx < out_width_; ++xx) longest = std::max(longest, horizontal_.bounds[static_cast<std::size_t>(xx) * 2 + 1]);
  taps_ = (longest + 15) / 16 * 16;
  xmins_.resize(static_cast<std::size_t>(out_width_));
  hi_.assign(static_cast<std::size_t>(out_width_) * static_cast<std::size_t>(taps_), 0);
  lo_.assign(hi_.size(), 0);
  for (int xx = 0; xx < out_width_; ++xx) {
    const auto x0 = static_cast<std::size_t>(xx);
    xmins_[x0] = horizontal_.bounds[x0 * 2];
    for (int x = 0; x < horizontal_.bounds[x0 * 2 + 1]; ++x) {
      const std::int32_t k = horizontal_.k[x0 * static_cast<std::size_t>(horizontal_.ksize) + static_cast<std::size_t>(x)];
      const std::size_t at = x0 * static_cast<std::size_t>(taps_) + static_cast<std::size_t>(x);
      hi_[at] = static_cast<std::int16_t>(k >> 11);  // arithmetic shift: floor
      lo_[at] = static_cast<std::int16_t>(k & 2047);
    }
  }
  wide_.assign(static_cast<std::size_t>(width) + static_cast<std::size_t>(taps_), 0);
}

void LanczosResampler::row(const std::uint8_t* grey) {
  const int y = next_row_++;
  if (y < first_row_ || y >= last_row_) return;
  std::uint8_t* out = &rows_[static_cast<std::size_t>(y - first_row_) * static_cast<std::size_t>(out_width_)];
  if (need_horizontal_) {
    for (int x = 0; x < in_width_; ++x) wide_[static_cast<std::size_t>(x)] = grey[x];
    horizontal_row(wide_.data(), out, out_width_, xmins_.data(), hi_.data(), lo_.data(), taps_);
  } else {
    std::memcpy(out, grey, static_cast<std::size_t>(out_width_));
  }
}

std::int16_t* LanczosResampler::wide_row_buffer() { return need_horizontal_ ? wide_.data() : nullptr; }

void LanczosResampler::wide_row() {
  const int y = next_row_++;
  if (y < first_row_ || y >= last_row_) return;
  std::uint8_t* out = &rows_[static_cast<std::size_t>(y - first_row_) * static_cast<std::size_t>(out_width_)];
  horizontal_row(wide_.data(), out, out_width_, xmins_.data(), hi_.data(), lo_.data(), taps_);
}

void LanczosResampler::finish(std::uint8_t* out) const {
  if (next_row_ != in_height_) throw std::logic_error("LanczosResampler::finish before the last row");
  if (in_height_ == out_height_) {
    // No vertical pass: the rows kept are the output (first_row_ = 0, last_row_ = height).
    std::memcpy(out, rows_.data(), static_cast<std::size_t>(out_width_) * static_cast<std::size_t>(out_height_));
    return;
  }
  // Row by row, so the inner loop runs along a row of out_width_ sums and vectorises (a very tall
  // image makes this pass long: 32 × 32 sums of height / 5 taps each).
  const int ksize = vertical_.ksize;
  const auto w = static_cast<std::size_t>(out_width_);
  std::vector<std::int32_t> sums(w);
  for (int yy = 0; yy < out_height_; ++yy) {
    const std::int32_t* k = &vertical_.k[static_cast<std::size_t>(yy) * static_cast<std::size_t>(ksize)];
    const int ymin = vertical_.bounds[static_cast<std::size_t>(yy) * 2];
    const int ymax = vertical_.bounds[static_cast<std::size_t>(yy) * 2 + 1];
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    for (int y = 0; y < ymax; ++y) vertical_row(&rows_[static_cast<std::size_t>(y + ymin) * w], k[y], sums.data(), w);
    for (std::size_t xx = 0; xx < w; ++xx) out[static_cast<std::size_t>(yy) * w + xx] = clip8(sums[xx]);
  }
}

}  // namespace aotf::image::detail
