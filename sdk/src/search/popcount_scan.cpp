#include "popcount_scan.hpp"

#include <bit>

#include <immintrin.h>

namespace aotf::search::detail {
namespace {

// Distances fit in 7 bits; the comparison is done on the int radius so that radius 64 matches all.
void scan_portable(const std::uint64_t* codes, std::size_t count, std::uint64_t query, int radius,
                   std::size_t first_index, std::vector<CodeHit>& out) {
  for (std::size_t i = 0; i < count; ++i) {
    const int d = std::popcount(codes[i] ^ query);
    if (d <= radius) out.push_back({first_index + i, static_cast<std::uint8_t>(d)});
  }
}

// Four codes per step and one rarely taken branch: matches are a tiny fraction of the codes.
__attribute__((target("popcnt"))) void scan_popcnt(const std::uint64_t* codes, std::size_t count,
                                                   std::uint64_t query, int radius,
                                                   std::size_t first_index,
                                                   std::vector<CodeHit>& out) {
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const int d0 = __builtin_popcountll(codes[i] ^ query);
    const int d1 = __builtin_popcountll(codes[i + 1] ^ query);
    const int d2 = __builtin_popcountll(codes[i + 2] ^ query);
    const int d3 = __builtin_popcountll(codes[i + 3] ^ query);
    if ((d0 <= radius) | (d1 <= radius) | (d2 <= radius) | (d3 <= radius)) [[unlikely]] {
      if (d0 <= radius) out.push_back({first_index + i, static_cast<std::uint8_t>(d0)});
      if (d1 <= radius) out.push_back({first_index + i + 1, static_cast<std::uint8_t>(d1)});
      if (d2 <= radius) out.push_back({first_index + i + 2, static_cast<std::uint8_t>(d2)});
      if (d3 <= radius) out.push_back({first_index + i + 3, static_cast<std::uint8_t>(d3)});
    }
  }
  for (; i < count; ++i) {
    const int d = __builtin_popcountll(codes[i] ^ query);
    if (d <= radius) out.push_back({first_index + i, static_cast<std::uint8_t>(d)});
  }
}

// Sixteen codes per step: two 512-bit XORs, VPOPCNTQ, unsigned compares into one 16-bit mask.
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) void scan_avx512(
    const std::uint64_t* codes, std::size_t count, std::uint64_t query, int radius,
    std::size_t first_index, std::vector<CodeHit>& out) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(query));
  const __m512i r = _mm512_set1_epi64(radius);
  std::size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m512i a = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(codes + i), q));
    const __m512i b = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(codes + i + 8), q));
    const unsigned mask = static_cast<unsigned>(_mm512_cmple_epu64_mask(a, r)) |
                          (static_cast<unsigned>(_mm512_cmple_epu64_mask(b, r)) << 8);
    if (mask != 0) [[unlikely]] {
      for (unsigned m = mask; m != 0; m &= m - 1) {
        const std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(m));
        out.push_back({first_index + j,
                       static_cast<std::uint8_t>(__builtin_popcountll(codes[j] ^ query))});
      }
    }
  }
  for (; i < count; ++i) {
    const int d = __builtin_popcountll(codes[i] ^ query);
    if (d <= radius) out.push_back({first_index + i, static_cast<std::uint8_t>(d)});
  }
}

using ScanKernel = void (*)(const std::uint64_t*, std::size_t, std::uint64_t, int, std::size_t,
                            std::vector<CodeHit>&);

struct Selected {
  ScanKernel kernel;
  const char* name;
};

Selected select_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
    return {scan_avx512, "avx512-vpopcntq"};
  }
  if (__builtin_cpu_supports("popcnt")) return {scan_popcnt, "popcnt"};
  return {scan_portable, "portable"};
}

const Selected& selected() {
  static const Selected s = select_kernel();
  return s;
}

}  // namespace

void scan_codes(const std::uint64_t* codes, std::size_t count, std::uint64_t query, int radius,
                std::size_t first_index, std::vector<CodeHit>& out) {
  selected().kernel(codes, count, query, radius, first_index, out);
}

const char* scan_kernel_name() { return selected().name; }

bool has_popcnt() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") != 0;
  }();
  return yes;
}

}  // namespace aotf::search::detail
