#pragma once
// Whole-database search of 64-bit image fingerprints by Hamming distance.
//
// HammingIndex answers "every stored fingerprint within Hamming distance r of q", exactly, for any
// r from 0 to 64. It is a multi-index hash (Norouzi, Punjani, Fleet: the 64 bits are cut into 3
// substrings, and a fingerprint within r of q has some substring within a small radius of the
// query's, by the generalised pigeonhole principle) over dense sorted arrays, plus a small flat
// layer for recent additions that is merged into the main arrays from time to time. When the
// probes of a very large radius would cost more than reading everything, it scans linearly: the
// answer is the same either way. sdk/src/search/README.md gives the design and the measured numbers.
//
// What a caller may rely on:
// - search() returns exactly the set linear_search() returns on the same live entries.
// - One HammingIndex may be used by any number of threads at once. Each call is atomic: a search
//   sees an add() or remove_post() entirely or not at all (all images of a post added by one add()
//   call appear together).
// - Bad input (a position outside 1-4, a post_ref of 2^62 or more, a negative radius or one above
//   64) throws SearchError naming the value; the index is unchanged.
// - Results come sorted by (distance, post_ref, position); order_results() re-sorts them in the
//   order the original AOTF server showed: distance, number of images in the post, post id.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"

namespace aotf::search {

// The match threshold of the original server: 6 differing bits out of 64.
inline constexpr int kDefaultRadius = 6;
inline constexpr int kMaxRadius = 64;
// post_ref values must be below this (two bits of the stored word hold the position).
inline constexpr std::uint64_t kPostRefLimit = std::uint64_t{1} << 62;

// Bad input to the index: its what() names the offending value.
class BOOST_SYMBOL_VISIBLE SearchError : public Error {
public:
  using Error::Error;
};

// One indexed image: the post it belongs to (an opaque id chosen by the database layer, its row
// id), its position in the post (1-4) and its 64-bit fingerprint.
struct ImageEntry {
  std::uint64_t post_ref = 0;
  std::uint8_t position = 1;
  std::uint64_t fingerprint = 0;

  friend bool operator==(const ImageEntry&, const ImageEntry&) = default;
};

struct Match {
  std::uint64_t post_ref = 0;
  std::uint8_t position = 1;
  std::uint8_t distance = 0;  // Hamming distance between the query and fingerprint
  std::uint64_t fingerprint = 0;

  friend bool operator==(const Match&, const Match&) = default;
};

struct HammingIndexOptions {
  // Additions are kept in a flat layer (searched linearly) until it holds this many entries (plus
  // removed posts), then merged into the multi-index arrays. The add() or remove_post() that
  // crosses the limit performs the merge, about 0.2 s of CPU per million stored entries;
  // searches and other adds go on meanwhile.
  std::size_t delta_limit = 16384;
  // Bits of each substring used as the bucket key; 0 picks them from the number of entries at
  // each build (about 4 entries per bucket, at most 21 bits). For tests and benchmarks.
  int key_bits = 0;
  // Let a search scan linearly when its probes would cost more than reading every entry.
  bool linear_fallback = true;
};

// Sizes of the parts of a HammingIndex, for capacity planning and the benchmark.
struct HammingIndexStats {
  std::size_t live_entries = 0;      // what search() can return
  std::size_t stored_entries = 0;    // including removed entries not yet merged away
  std::size_t indexed_entries = 0;   // in the multi-index arrays
  std::size_t pending_entries = 0;   // in the flat layers, waiting for a merge
  std::size_t memory_bytes = 0;      // heap bytes held by the index
  int key_bits = 0;                  // bucket key width of the multi-index arrays
};

class BOOST_SYMBOL_VISIBLE HammingIndex {
public:
  explicit HammingIndex(HammingIndexOptions options = {});
  ~HammingIndex();
  HammingIndex(const HammingIndex&) = delete;
  HammingIndex& operator=(const HammingIndex&) = delete;

  // Replaces the whole content with `entries` (start-up from the database). Validates every entry
  // first: on bad input nothing changes. Other writers wait; searches go on against the old
  // content until the new one is ready.
  void build(std::vector<ImageEntry> entries);

  // Adds the images of one post (or of several) atomically. Adding a post that is already present
  // adds its images again: re-indexing is remove_post() then add().
  void add(std::span<const ImageEntry> entries);
  void add(const ImageEntry& entry) { add(std::span<const ImageEntry>(&entry, 1)); }

  // Removes every image of `post_ref`; returns how many there were.
  std::size_t remove_post(std::uint64_t post_ref);

  // Every live entry whose fingerprint is within `radius` bits of `query`, sorted by
  // (distance, post_ref, position).
  [[nodiscard]] std::vector<Match> search(std::uint64_t query, int radius = kDefaultRadius) const;

  // Merges the flat layer and drops removed entries now, instead of at the next add() that
  // crosses delta_limit.
  void compact();

  [[nodiscard]] std::size_t size() const;  // live entries
  [[nodiscard]] HammingIndexStats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A hit of linear_search_codes: the index of the code in the array and its distance.
struct CodeHit {
  std::size_t index = 0;
  std::uint8_t distance = 0;
};

// The reference: every entry within `radius` of `query`, sorted like HammingIndex::search.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::vector<Match> linear_search(
    std::span<const ImageEntry> entries, std::uint64_t query, int radius = kDefaultRadius);

// The tuned linear scan over a dense array of fingerprints (AVX-512 VPOPCNTQ where the processor
// has it, else POPCNT, else portable code), hits in array order.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::vector<CodeHit> linear_search_codes(
    std::span<const std::uint64_t> codes, std::uint64_t query, int radius = kDefaultRadius);

// The kernel linear_search_codes uses on this processor: "avx512-vpopcntq", "popcnt" or "portable".
[[nodiscard]] BOOST_SYMBOL_VISIBLE const char* linear_scan_kernel();

// Sorts `matches` as the original server ordered its results: by distance, then by the number of
// images in the post (fewer first, as the original), then by post id, then by position.
// `images_count(post_ref)` is called once per distinct post.
BOOST_SYMBOL_VISIBLE void order_results(
    std::vector<Match>& matches, const std::function<unsigned(std::uint64_t post_ref)>& images_count);

}  // namespace aotf::search
