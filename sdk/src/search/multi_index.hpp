#pragma once
// The immutable main layer of a HammingIndex: a multi-index hash over dense sorted arrays.
//
// Layout (N entries, b key bits, see README.md for the numbers):
//   codes_[N]        fingerprints, physically sorted by the key of table 0
//   refs32_/refs64_  post_ref << 2 | (position - 1), same order; 4 bytes while every post_ref
//                    is below 2^30, else 8
//   offsets_[t]      2^b + 1 bucket starts per table (counting sort), 4 bytes each
//   ids_[t - 1]      for tables 1 and 2: indices into codes_, sorted by that table's key
// Table 0 needs no id array, so its candidates are read sequentially.
//
// Substrings: bits 0-20, 21-41, 42-63. The key of table t is the top b bits of substring t
// (b <= 21). A fingerprint x within r of q has, for radii t_0 + t_1 + t_2 = r - 2, some table t
// whose substring differs from q's in at most t_t bits (else the distance would be at least
// t_0 + t_1 + t_2 + 3 = r + 1); its key then differs in at most t_t bits too, so probing every
// key within t_t of q's key in every table finds it. A hit is reported only by the first table
// that reaches it, which needs no set of seen ids.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "aotf/search/hamming_index.hpp"

namespace aotf::search::detail {

inline constexpr int kTables = 3;
inline constexpr std::array<int, kTables> kSubstringStart{0, 21, 42};
inline constexpr std::array<int, kTables> kSubstringWidth{21, 21, 22};
inline constexpr int kMaxKeyBits = 21;

// Probe radius of each table for search radius r; -1 means the table is not probed.
std::array<int, kTables> table_radii(int radius);

// Key width picked for n entries: about 4 entries per bucket.
int auto_key_bits(std::size_t n);

struct BaseHit {
  std::uint32_t index;
  std::uint8_t distance;
};

class MultiIndex {
public:
  // `key_bits` 0 = auto_key_bits(entries.size()). Entries must be valid (checked by the caller).
  static std::shared_ptr<const MultiIndex> build(std::span<const ImageEntry> entries, int key_bits);

  [[nodiscard]] std::size_t size() const { return codes_.size(); }
  [[nodiscard]] int key_bits() const { return key_bits_; }
  [[nodiscard]] std::uint64_t code(std::size_t i) const { return codes_[i]; }
  [[nodiscard]] std::uint64_t packed_ref(std::size_t i) const {
    return refs64_.empty() ? refs32_[i] : refs64_[i];
  }
  [[nodiscard]] std::uint64_t post_ref(std::size_t i) const { return packed_ref(i) >> 2; }
  [[nodiscard]] std::uint8_t position(std::size_t i) const {
    return static_cast<std::uint8_t>((packed_ref(i) & 3) + 1);
  }
  [[nodiscard]] ImageEntry entry(std::size_t i) const { return {post_ref(i), position(i), code(i)}; }

  // Number of entries of `post_ref` (a linear pass over the refs).
  [[nodiscard]] std::size_t count_post(std::uint64_t post_ref) const;

  // Appends every entry within `radius` of `query` to `out` (each once, in no particular order).
  void search(std::uint64_t query, int radius, bool linear_fallback, std::vector<BaseHit>& out) const;

  // Whether search() would scan linearly for this radius.
  [[nodiscard]] bool prefers_linear(int radius) const;

  [[nodiscard]] std::size_t memory_bytes() const;

private:
  MultiIndex() = default;
  [[nodiscard]] std::uint32_t key(int table, std::uint64_t code) const {
    return static_cast<std::uint32_t>(code >> shift_[table]) & key_mask_;
  }
  void search_tables(std::uint64_t query, int radius, std::vector<BaseHit>& out) const;
  void search_linear(std::uint64_t query, int radius, std::vector<BaseHit>& out) const;

  int key_bits_ = 0;
  std::uint32_t key_mask_ = 0;
  std::array<int, kTables> shift_{};
  std::array<std::uint64_t, kTables> key_mask64_{};  // the key's bits in place in the code
  std::vector<std::uint64_t> codes_;
  std::vector<std::uint32_t> refs32_;
  std::vector<std::uint64_t> refs64_;
  std::array<std::vector<std::uint32_t>, kTables> offsets_;
  std::array<std::vector<std::uint32_t>, kTables - 1> ids_;
};

}  // namespace aotf::search::detail
