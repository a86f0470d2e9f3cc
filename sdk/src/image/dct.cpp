// The 32-point DCT-II of scipy.fftpack.dct (scipy 1.10, which runs pocketfft's T_dcst23 on a real
// backward FFT of factors 2·4·4), ported operation for operation: the same additions and
// multiplications in the same order with the same twiddle constants. A plain O(N²) DCT gives the
// same values up to rounding, but on flat images (a solid colour, a 1-pixel-wide image) most
// coefficients are rounding noise around zero and their signs decide the fingerprint, so only the
// same arithmetic gives the original's bits. Compiled with -ffp-contract=off.

#include <array>
#include <cstring>

#include "aotf/image/fingerprint.hpp"

namespace aotf::image {
namespace {

// sincos_2pibyn(32)[k] = (cos 2πk/32, sin 2πk/32) for k = 0..31, as pocketfft computes them.
constexpr double kRoot32[32][2] = {
    {0x1p+0, 0x0p+0},
    {0x1.f6297cff75cbp-1, 0x1.8f8b83c69a60ap-3},
    {0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2},
    {0x1.a9b66290ea1a3p-1, 0x1.1c73b39ae68c8p-1},
    {0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1},
    {0x1.1c73b39ae68c8p-1, 0x1.a9b66290ea1a3p-1},
    {0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1},
    {0x1.8f8b83c69a60ap-3, 0x1.f6297cff75cbp-1},
    {-0x0p+0, 0x1p+0},
    {-0x1.8f8b83c69a60ap-3, 0x1.f6297cff75cbp-1},
    {-0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1},
    {-0x1.1c73b39ae68c8p-1, 0x1.a9b66290ea1a3p-1},
    {-0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bccp-1},
    {-0x1.a9b66290ea1a3p-1, 0x1.1c73b39ae68c8p-1},
    {-0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2},
    {-0x1.f6297cff75cbp-1, 0x1.8f8b83c69a60ap-3},
    {-0x1p+0, -0x0p+0},
    {-0x1.f6297cff75cbp-1, -0x1.8f8b83c69a60ap-3},
    {-0x1.d906bcf328d46p-1, -0x1.87de2a6aea963p-2},
    {-0x1.a9b66290ea1a3p-1, -0x1.1c73b39ae68c8p-1},
    {-0x1.6a09e667f3bcdp-1, -0x1.6a09e667f3bccp-1},
    {-0x1.1c73b39ae68c8p-1, -0x1.a9b66290ea1a3p-1},
    {-0x1.87de2a6aea963p-2, -0x1.d906bcf328d46p-1},
    {-0x1.8f8b83c69a60ap-3, -0x1.f6297cff75cbp-1},
    {-0x0p+0, -0x1p+0},
    {0x1.8f8b83c69a60ap-3, -0x1.f6297cff75cbp-1},
    {0x1.87de2a6aea963p-2, -0x1.d906bcf328d46p-1},
    {0x1.1c73b39ae68c8p-1, -0x1.a9b66290ea1a3p-1},
    {0x1.6a09e667f3bccp-1, -0x1.6a09e667f3bcdp-1},
    {0x1.a9b66290ea1a3p-1, -0x1.1c73b39ae68c8p-1},
    {0x1.d906bcf328d46p-1, -0x1.87de2a6aea963p-2},
    {0x1.f6297cff75cbp-1, -0x1.8f8b83c69a60ap-3},
};
// sincos_2pibyn(128)[k].r = cos 2πk/128 for k = 1..32 (T_dcst23's twiddle).
constexpr double kDctTwiddle[32] = {
    0x1.ff621e3796d7ep-1,
    0x1.fd88da3d12526p-1,
    0x1.fa7557f08a517p-1,
    0x1.f6297cff75cbp-1,
    0x1.f0a7efb9230d7p-1,
    0x1.e9f4156c62ddap-1,
    0x1.e212104f686e5p-1,
    0x1.d906bcf328d46p-1,
    0x1.ced7af43cc773p-1,
    0x1.c38b2f180bdb1p-1,
    0x1.b728345196e3ep-1,
    0x1.a9b66290ea1a3p-1,
    0x1.9b3e047f38741p-1,
    0x1.8bc806b151741p-1,
    0x1.7b5df226aafafp-1,
    0x1.6a09e667f3bccp-1,
    0x1.57d69348cec9fp-1,
    0x1.44cf325091dd6p-1,
    0x1.30ff7fce17034p-1,
    0x1.1c73b39ae68c8p-1,
    0x1.073879922ffedp-1,
    0x1.e2b5d3806f639p-2,
    0x1.b5d1009e15cbfp-2,
    0x1.87de2a6aea961p-2,
    0x1.58f9a75ab1fdbp-2,
    0x1.294062ed59f04p-2,
    0x1.f19f97b215f1cp-3,
    0x1.8f8b83c69a60ap-3,
    0x1.2c8106e8e6136p-3,
    0x1.917a6bc29b424p-4,
    0x1.91f65f10dd81p-5,
    -0x0p+0,
};

constexpr std::size_t kN = 32;

inline void pm(double& a, double& b, double c, double d) {
  a = c + d;
  b = c - d;
}

// (a + ib) = conj(c + id) · (e + if)
inline void mulpm(double& a, double& b, double c, double d, double e, double f) {
  a = c * e + d * f;
  b = c * f - d * e;
}

struct Twiddles {
  std::array<double, 15> pass2{};  // radb2, ido 16, l1 1
  std::array<double, 9> pass4{};   // radb4, ido 4, l1 2
  Twiddles() {
    for (std::size_t i = 1; i <= 7; ++i) {
      pass2[2 * i - 2] = kRoot32[i][0];
      pass2[2 * i - 1] = kRoot32[i][1];
    }
    for (std::size_t j = 1; j < 4; ++j) {
      pass4[(j - 1) * 3 + 0] = kRoot32[j * 2][0];
      pass4[(j - 1) * 3 + 1] = kRoot32[j * 2][1];
    }
  }
};
const Twiddles kTwiddles;

void radb2(std::size_t ido, std::size_t l1, const double* cc, double* ch, const double* wa) {
  auto WA = [wa, ido](std::size_t x, std::size_t i) { return wa[i + x * (ido - 1)]; };
  auto CC = [cc, ido](std::size_t a, std::size_t b, std::size_t c) -> const double& { return cc[a + ido * (b + 2 * c)]; };
  auto CH = [ch, ido, l1](std::size_t a, std::size_t b, std::size_t c) -> double& { return ch[a + ido * (b + l1 * c)]; };
  for (std::size_t k = 0; k < l1; k++) pm(CH(0, k, 0), CH(0, k, 1), CC(0, 0, k), CC(ido - 1, 1, k));
  if ((ido & 1) == 0)
    for (std::size_t k = 0; k < l1; k++) {
      CH(ido - 1, k, 0) = 2 * CC(ido - 1, 0, k);
      CH(ido - 1, k, 1) = -2 * CC(0, 1, k);
    }
  if (ido <= 2) return;
  for (std::size_t k = 0; k < l1; ++k)
    for (std::size_t i = 2; i < ido; i += 2) {
      const std::size_t ic = ido - i;
      double ti2, tr2;
      pm(CH(i - 1, k, 0), tr2, CC(i - 1, 0, k), CC(ic - 1, 1, k));
      pm(ti2, CH(i, k, 0), CC(i, 0, k), CC(ic, 1, k));
      mulpm(CH(i, k, 1), CH(i - 1, k, 1), WA(0, i - 2), WA(0, i - 1), ti2, tr2);
    }
}

void radb4(std::size_t ido, std::size_t l1, const double* cc, double* ch, const double* wa) {
  constexpr double sqrt2 = 1.414213562373095048801688724209698;
  auto WA = [wa, ido](std::size_t x, std::size_t i) { return wa[i + x * (ido - 1)]; };
  auto CC = [cc, ido](std::size_t a, std::size_t b, std::size_t c) -> const double& { return cc[a + ido * (b + 4 * c)]; };
  auto CH = [ch, ido, l1](std::size_t a, std::size_t b, std::size_t c) -> double& { return ch[a + ido * (b + l1 * c)]; };
  for (std::size_t k = 0; k < l1; k++) {
    double tr1, tr2;
    pm(tr2, tr1, CC(0, 0, k), CC(ido - 1, 3, k));
    const double tr3 = 2 * CC(ido - 1, 1, k);
    const double tr4 = 2 * CC(0, 2, k);
    pm(CH(0, k, 0), CH(0, k, 2), tr2, tr3);
    pm(CH(0, k, 3), CH(0, k, 1), tr1, tr4);
  }
  if ((ido & 1) == 0)
    for (std::size_t k = 0; k < l1; k++) {
      double tr1, tr2, ti1, ti2;
      pm(ti1, ti2, CC(0, 3, k), CC(0, 1, k));
      pm(tr2, tr1, CC(ido - 1, 0, k), CC(ido - 1, 2, k));
      CH(ido - 1, k, 0) = tr2 + tr2;
      CH(ido - 1, k, 1) = sqrt2 * (tr1 - ti1);
      CH(ido - 1, k, 2) = ti2 + ti2;
      CH(ido - 1, k, 3) = -sqrt2 * (tr1 + ti1);
    }
  if (ido <= 2) return;
  for (std::size_t k = 0; k < l1; ++k)
    for (std::size_t i = 2; i < ido; i += 2) {
      double ci2, ci3, ci4, cr2, cr3, cr4, ti1, ti2, ti3, ti4, tr1, tr2, tr3, tr4;
      const std::size_t ic = ido - i;
      pm(tr2, tr1, CC(i - 1, 0, k), CC(ic - 1, 3, k));
      pm(ti1, ti2, CC(i, 0, k), CC(ic, 3, k));
      pm(tr4, ti3, CC(i, 2, k), CC(ic, 1, k));
      pm(tr3, ti4, CC(i - 1, 2, k), CC(ic - 1, 1, k));
      pm(CH(i - 1, k, 0), cr3, tr2, tr3);
      pm(CH(i, k, 0), ci3, ti2, ti3);
      pm(cr4, cr2, tr1, tr4);
      pm(ci2, ci4, ti1, ti4);
      mulpm(CH(i, k, 1), CH(i - 1, k, 1), WA(0, i - 2), WA(0, i - 1), ci2, cr2);
      mulpm(CH(i, k, 2), CH(i - 1, k, 2), WA(1, i - 2), WA(1, i - 1), ci3, cr3);
      mulpm(CH(i, k, 3), CH(i - 1, k, 3), WA(2, i - 2), WA(2, i - 1), ci4, cr4);
    }
}

// T_dcst23<double>::exec(c, fct = 1, ortho = false, type = 2, cosine = true) for N = 32.
void dct2_32(double* c) {
  constexpr std::size_t N = kN, NS2 = N / 2;
  c[0] *= 2;
  c[N - 1] *= 2;
  for (std::size_t k = 1; k < N - 1; k += 2) {
    const double t = c[k + 1];
    c[k + 1] -= c[k];
    c[k] = t + c[k];
  }
  // rfftp<double>(32).exec(c, 1, r2hc = false): factors 2, 4, 4; three passes end in the scratch.
  double ch[N];
  radb2(16, 1, c, ch, kTwiddles.pass2.data());
  radb4(4, 2, ch, c, kTwiddles.pass4.data());
  radb4(1, 8, c, ch, nullptr);
  std::memcpy(c, ch, sizeof ch);
  for (std::size_t k = 1, kc = N - 1; k < NS2; ++k, --kc) {
    const double t1 = kDctTwiddle[k - 1] * c[kc] + kDctTwiddle[kc - 1] * c[k];
    const double t2 = kDctTwiddle[k - 1] * c[k] - kDctTwiddle[kc - 1] * c[kc];
    c[k] = 0.5 * (t1 + t2);
    c[kc] = 0.5 * (t1 - t2);
  }
  c[NS2] *= kDctTwiddle[NS2 - 1];
}

}  // namespace

std::array<double, 1024> dct2_32x32(std::span<const std::uint8_t, 1024> pixels) {
  std::array<double, 1024> m;
  double v[kN];
  // Axis 0: each column.
  for (std::size_t col = 0; col < kN; ++col) {
    for (std::size_t row = 0; row < kN; ++row) v[row] = pixels[row * kN + col];
    dct2_32(v);
    for (std::size_t row = 0; row < kN; ++row) m[row * kN + col] = v[row];
  }
  // Axis 1: each row.
  for (std::size_t row = 0; row < kN; ++row) dct2_32(&m[row * kN]);
  return m;
}

}  // namespace aotf::image
