#include "multi_index.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <unordered_map>

#include "popcount_scan.hpp"

namespace aotf::search::detail {

std::array<int, kTables> table_radii(int radius) {
  // Start every table at -1 (not probed) and hand out r + 1 increments, table 0 first: table 0
  // is the one whose candidates are read sequentially, so it takes the larger radius.
  std::array<int, kTables> radii{-1, -1, -1};
  for (int i = 0; i <= radius; ++i) ++radii[static_cast<std::size_t>(i % kTables)];
  return radii;
}

int auto_key_bits(std::size_t n) {
  const int width = static_cast<int>(std::bit_width(n));
  return std::clamp(width - 2, 1, kMaxKeyBits);
}

namespace {

// Every mask of `bits` bits with at most `radius` bits set, by increasing number of bits set.
const std::vector<std::uint32_t>& flip_masks(int bits, int radius) {
  thread_local std::unordered_map<int, std::vector<std::uint32_t>> cache;
  radius = std::min(radius, bits);
  auto [it, inserted] = cache.try_emplace(bits * 64 + radius);
  if (inserted) {
    std::vector<std::uint32_t>& masks = it->second;
    masks.push_back(0);
    const std::uint64_t end = std::uint64_t{1} << bits;
    for (int k = 1; k <= radius; ++k) {
      // Gosper's hack: the next larger integer with the same number of bits set.
      for (std::uint64_t m = (std::uint64_t{1} << k) - 1; m < end;) {
        masks.push_back(static_cast<std::uint32_t>(m));
        const std::uint64_t low = m & (~m + 1);
        const std::uint64_t ripple = m + low;
        m = ripple | (((ripple ^ m) >> 2) / low);
      }
    }
  }
  return it->second;
}

double binomial_sum(int n, int k) {
  double sum = 0;
  double term = 1;
  for (int i = 0; i <= std::min(k, n); ++i) {
    sum += term;
    term = term * (n - i) / (i + 1);
  }
  return sum;
}

struct Tables {
  const std::uint64_t* codes;
  std::array<const std::uint32_t*, kTables> offsets;
  std::array<const std::uint32_t*, kTables> ids;  // ids[0] is null: table 0 is the codes' order
  std::array<int, kTables> shift;
  std::array<std::uint64_t, kTables> key_mask64;
  std::uint32_t key_mask;
  int key_bits;
};

// The probe loop. Inlined into two wrappers so that the popcounts become POPCNT where the
// processor has it, and portable code elsewhere.
__attribute__((always_inline)) inline void probe_tables(const Tables& t, std::uint64_t query,
                                                        int radius, std::vector<BaseHit>& out) {
  const std::array<int, kTables> radii = table_radii(radius);
  for (int table = 0; table < kTables; ++table) {
    const int table_radius = radii[static_cast<std::size_t>(table)];
    if (table_radius < 0) continue;
    const std::uint32_t* offsets = t.offsets[static_cast<std::size_t>(table)];
    const std::uint32_t* ids = t.ids[static_cast<std::size_t>(table)];
    const std::uint32_t query_key =
        static_cast<std::uint32_t>(query >> t.shift[static_cast<std::size_t>(table)]) & t.key_mask;
    const std::vector<std::uint32_t>& masks = flip_masks(t.key_bits, table_radius);
    const std::size_t probes = masks.size();
    // The bucket starts of the probes are scattered: ask for them a few probes ahead so that
    // their cache misses overlap instead of queueing behind the candidate checks.
    constexpr std::size_t kAhead = 8;
    for (std::size_t p = 0; p < std::min(kAhead, probes); ++p) {
      __builtin_prefetch(offsets + (query_key ^ masks[p]));
    }
    constexpr std::size_t kAheadCodes = 4;
    for (std::size_t p = 0; p < probes; ++p) {
      if (p + kAhead < probes) __builtin_prefetch(offsets + (query_key ^ masks[p + kAhead]));
      // Second stage: the bucket whose start arrived by now, its first entries.
      if (p + kAheadCodes < probes) {
        const std::uint32_t start = offsets[query_key ^ masks[p + kAheadCodes]];
        __builtin_prefetch(ids == nullptr ? static_cast<const void*>(t.codes + start)
                                          : static_cast<const void*>(ids + start));
      }
      const std::uint32_t key = query_key ^ masks[p];
      const std::uint32_t end = offsets[key + 1];
      for (std::uint32_t e = offsets[key]; e < end; ++e) {
        const std::uint32_t index = ids == nullptr ? e : ids[e];
        const std::uint64_t diff = t.codes[index] ^ query;
        const int distance = __builtin_popcountll(diff);
        if (distance > radius) continue;
        // Report a hit only from the first table whose probes reach it.
        bool earlier = false;
        for (int j = 0; j < table; ++j) {
          const int rj = radii[static_cast<std::size_t>(j)];
          if (rj >= 0 && __builtin_popcountll(diff & t.key_mask64[static_cast<std::size_t>(j)]) <= rj) {
            earlier = true;
            break;
          }
        }
        if (!earlier) out.push_back({index, static_cast<std::uint8_t>(distance)});
      }
    }
  }
}

__attribute__((target("popcnt"))) void probe_tables_popcnt(const Tables& t, std::uint64_t query,
                                                           int radius, std::vector<BaseHit>& out) {
  probe_tables(t, query, radius, out);
}

void probe_tables_portable(const Tables& t, std::uint64_t query, int radius,
                           std::vector<BaseHit>& out) {
  probe_tables(t, query, radius, out);
}

}  // namespace

std::shared_ptr<const MultiIndex> MultiIndex::build(std::span<const ImageEntry> entries,
                                                    int key_bits) {
  if (entries.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw SearchError("a HammingIndex holds at most 4294967294 entries, got " +
                      std::to_string(entries.size()));
  }
  std::shared_ptr<MultiIndex> index(new MultiIndex());
  MultiIndex& mi = *index;
  const int bits = std::clamp(key_bits == 0 ? auto_key_bits(entries.size()) : key_bits, 1, kMaxKeyBits);
  mi.key_bits_ = bits;
  mi.key_mask_ = (std::uint32_t{1} << bits) - 1;
  for (std::size_t t = 0; t < kTables; ++t) {
    mi.shift_[t] = kSubstringStart[t] + kSubstringWidth[t] - bits;
    mi.key_mask64_[t] = std::uint64_t{mi.key_mask_} << mi.shift_[t];
  }
  const std::size_t n = entries.size();
  const std::size_t buckets = std::size_t{1} << bits;

  // Bucket starts of table `t` for `codes`, by counting.
  auto count_keys = [&](int t, auto&& code_of) {
    std::vector<std::uint32_t> offsets(buckets + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++offsets[mi.key(t, code_of(i)) + 1];
    for (std::size_t k = 0; k < buckets; ++k) offsets[k + 1] += offsets[k];
    return offsets;
  };

  // Table 0: the entries themselves, in key order.
  mi.offsets_[0] = count_keys(0, [&](std::size_t i) { return entries[i].fingerprint; });
  std::uint64_t max_ref = 0;
  for (const ImageEntry& e : entries) max_ref = std::max(max_ref, e.post_ref);
  const bool narrow = max_ref < (std::uint64_t{1} << 30);
  mi.codes_.resize(n);
  if (narrow) {
    mi.refs32_.resize(n);
  } else {
    mi.refs64_.resize(n);
  }
  {
    std::vector<std::uint32_t> cursor(mi.offsets_[0].begin(), mi.offsets_[0].end() - 1);
    for (const ImageEntry& e : entries) {
      const std::uint32_t at = cursor[mi.key(0, e.fingerprint)]++;
      mi.codes_[at] = e.fingerprint;
      const std::uint64_t packed = e.post_ref << 2 | static_cast<std::uint64_t>(e.position - 1);
      if (narrow) {
        mi.refs32_[at] = static_cast<std::uint32_t>(packed);
      } else {
        mi.refs64_[at] = packed;
      }
    }
  }
  // Tables 1 and 2: ids into codes_, ascending within each bucket.
  for (int t = 1; t < kTables; ++t) {
    auto& offsets = mi.offsets_[static_cast<std::size_t>(t)];
    offsets = count_keys(t, [&](std::size_t i) { return mi.codes_[i]; });
    auto& ids = mi.ids_[static_cast<std::size_t>(t - 1)];
    ids.resize(n);
    std::vector<std::uint32_t> cursor(offsets.begin(), offsets.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      ids[cursor[mi.key(t, mi.codes_[i])]++] = static_cast<std::uint32_t>(i);
    }
  }
  return index;
}

std::size_t MultiIndex::count_post(std::uint64_t post_ref) const {
  std::size_t count = 0;
  if (refs64_.empty()) {
    if (post_ref >= (std::uint64_t{1} << 30)) return 0;
    for (const std::uint32_t r : refs32_) count += (r >> 2) == post_ref;
  } else {
    for (const std::uint64_t r : refs64_) count += (r >> 2) == post_ref;
  }
  return count;
}

bool MultiIndex::prefers_linear(int radius) const {
  // Cost model in units of one code read by the linear scan (about 0.2-0.4 ns), measured on the
  // benchmark machine: a probe costs about 50 (two bucket starts at a random place), a candidate
  // about 25 (its code, at a random place for tables 1 and 2), a search about 2500 to set up.
  const std::array<int, kTables> radii = table_radii(radius);
  double probes = 0;
  for (const int r : radii) {
    if (r >= 0) probes += binomial_sum(key_bits_, r);
  }
  const double per_bucket = static_cast<double>(size()) / static_cast<double>(std::size_t{1} << key_bits_);
  const double cost = 2500 + probes * 50 + probes * per_bucket * 25;
  return cost > static_cast<double>(size());
}

void MultiIndex::search(std::uint64_t query, int radius, bool linear_fallback,
                        std::vector<BaseHit>& out) const {
  if (size() == 0) return;
  if (linear_fallback && prefers_linear(radius)) {
    search_linear(query, radius, out);
  } else {
    search_tables(query, radius, out);
  }
}

void MultiIndex::search_tables(std::uint64_t query, int radius, std::vector<BaseHit>& out) const {
  Tables t{};
  t.codes = codes_.data();
  for (std::size_t i = 0; i < kTables; ++i) {
    t.offsets[i] = offsets_[i].data();
    t.ids[i] = i == 0 ? nullptr : ids_[i - 1].data();
  }
  t.shift = shift_;
  t.key_mask64 = key_mask64_;
  t.key_mask = key_mask_;
  t.key_bits = key_bits_;
  if (has_popcnt()) {
    probe_tables_popcnt(t, query, radius, out);
  } else {
    probe_tables_portable(t, query, radius, out);
  }
}

void MultiIndex::search_linear(std::uint64_t query, int radius, std::vector<BaseHit>& out) const {
  std::vector<CodeHit> hits;
  scan_codes(codes_.data(), codes_.size(), query, radius, 0, hits);
  out.reserve(out.size() + hits.size());
  for (const CodeHit& h : hits) out.push_back({static_cast<std::uint32_t>(h.index), h.distance});
}

std::size_t MultiIndex::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  bytes += codes_.capacity() * sizeof(std::uint64_t);
  bytes += refs32_.capacity() * sizeof(std::uint32_t) + refs64_.capacity() * sizeof(std::uint64_t);
  for (const auto& o : offsets_) bytes += o.capacity() * sizeof(std::uint32_t);
  for (const auto& i : ids_) bytes += i.capacity() * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace aotf::search::detail
