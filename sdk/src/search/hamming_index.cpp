// HammingIndex: an immutable multi-index layer (multi_index.hpp), removed posts hidden by
// tombstones until the next merge, and flat layers for recent additions.
//
// State, guarded by `state` (searches share it, mutations hold it exclusively and briefly):
//   base, base_tombstones     the multi-index; posts removed from it since it was built
//   frozen, frozen_tombstones during a merge: the flat layer being merged; posts removed from it
//   pending_tombstones        during a merge: every post removed since the merge started, i.e.
//                             the tombstones of the base the merge is building
//   delta                     additions since the last merge (removed physically)
// Writers pass `turnstile` before `state` so that searches cannot starve them (see Impl).
// `writer` serialises mutations, so a mutation may read base and frozen without `state` (they are
// immutable and only a mutation replaces them). `merging` lets one merge run at a time; the build
// of the new base happens without `writer`, so adds and removes go on during it.

#include <algorithm>
#include <bit>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "aotf/search/hamming_index.hpp"
#include "multi_index.hpp"
#include "popcount_scan.hpp"

namespace aotf::search {
namespace {

using detail::MultiIndex;
using Tombstones = std::unordered_set<std::uint64_t>;

void validate(const ImageEntry& e, std::size_t at) {
  if (e.position < 1 || e.position > 4) {
    throw SearchError("image entry " + std::to_string(at) + " (post " + std::to_string(e.post_ref) +
                      "): position " + std::to_string(e.position) + " is outside 1-4");
  }
  if (e.post_ref >= kPostRefLimit) {
    throw SearchError("image entry " + std::to_string(at) + ": post_ref " +
                      std::to_string(e.post_ref) + " is not below 2^62");
  }
}

void validate_radius(int radius) {
  if (radius < 0 || radius > kMaxRadius) {
    throw SearchError("search radius " + std::to_string(radius) + " is outside 0-64");
  }
}

bool match_less(const Match& a, const Match& b) {
  if (a.distance != b.distance) return a.distance < b.distance;
  if (a.post_ref != b.post_ref) return a.post_ref < b.post_ref;
  if (a.position != b.position) return a.position < b.position;
  return a.fingerprint < b.fingerprint;
}

// Recent additions, in insertion order, searched linearly.
struct FlatLayer {
  std::vector<std::uint64_t> codes;
  std::vector<std::uint64_t> refs;
  std::vector<std::uint8_t> positions;

  [[nodiscard]] std::size_t size() const { return codes.size(); }
  [[nodiscard]] bool empty() const { return codes.empty(); }

  void append(const ImageEntry& e) {
    codes.push_back(e.fingerprint);
    refs.push_back(e.post_ref);
    positions.push_back(e.position);
  }

  [[nodiscard]] std::size_t count_post(std::uint64_t post_ref) const {
    return static_cast<std::size_t>(std::count(refs.begin(), refs.end(), post_ref));
  }

  std::size_t erase_post(std::uint64_t post_ref) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (refs[i] == post_ref) continue;
      codes[kept] = codes[i];
      refs[kept] = refs[i];
      positions[kept] = positions[i];
      ++kept;
    }
    const std::size_t removed = codes.size() - kept;
    codes.resize(kept);
    refs.resize(kept);
    positions.resize(kept);
    return removed;
  }

  void search(std::uint64_t query, int radius, const Tombstones* hidden,
              std::vector<Match>& out) const {
    std::vector<CodeHit> hits;
    detail::scan_codes(codes.data(), codes.size(), query, radius, 0, hits);
    for (const CodeHit& h : hits) {
      if (hidden != nullptr && hidden->contains(refs[h.index])) continue;
      out.push_back({refs[h.index], positions[h.index], h.distance, codes[h.index]});
    }
  }

  [[nodiscard]] std::size_t memory_bytes() const {
    return codes.capacity() * 8 + refs.capacity() * 8 + positions.capacity();
  }
};

std::size_t tombstone_bytes(const Tombstones& t) {
  // Buckets plus one node (next pointer, value, cached hash) per element.
  return t.bucket_count() * sizeof(void*) + t.size() * 3 * sizeof(void*);
}

}  // namespace

struct HammingIndex::Impl {
  HammingIndexOptions options;

  mutable std::shared_mutex state;
  // glibc's rwlock lets new readers in while a writer waits, so a steady stream of searches could
  // hold an add() off forever. Writers hold the turnstile while they wait for the searches in
  // flight; a search passes through it first, so new searches queue behind a waiting writer.
  mutable std::mutex turnstile;
  std::mutex writer;
  std::mutex merging;

  std::shared_ptr<const MultiIndex> base = MultiIndex::build({}, 1);
  Tombstones base_tombstones;
  std::size_t base_removed = 0;

  std::shared_ptr<const FlatLayer> frozen;
  Tombstones frozen_tombstones;
  std::size_t frozen_removed = 0;
  Tombstones pending_tombstones;
  std::size_t pending_removed = 0;

  FlatLayer delta;

  [[nodiscard]] std::size_t live() const {
    std::size_t n = base->size() - base_removed + delta.size();
    if (frozen) n += frozen->size() - frozen_removed;
    return n;
  }

  [[nodiscard]] bool wants_merge() const {
    return delta.size() + base_tombstones.size() >= std::max<std::size_t>(options.delta_limit, 1);
  }

  // Runs a merge; the caller holds `merging`.
  void merge() {
    std::shared_ptr<const MultiIndex> old_base;
    std::shared_ptr<const FlatLayer> layer;
    Tombstones hidden;
    {
      std::scoped_lock w(writer);
      std::scoped_lock t(turnstile);
      std::unique_lock s(state);
      if (delta.empty() && base_tombstones.empty()) return;
      auto moved = std::make_shared<FlatLayer>(std::move(delta));
      delta = FlatLayer{};
      frozen = moved;
      frozen_tombstones.clear();
      frozen_removed = 0;
      pending_tombstones.clear();
      pending_removed = 0;
      layer = frozen;
      old_base = base;
      hidden = base_tombstones;
    }
    // The new base: what was live in the old base when the merge started, plus the frozen layer.
    std::vector<ImageEntry> entries;
    entries.reserve(old_base->size() + layer->size());
    for (std::size_t i = 0; i < old_base->size(); ++i) {
      const ImageEntry e = old_base->entry(i);
      if (!hidden.contains(e.post_ref)) entries.push_back(e);
    }
    for (std::size_t i = 0; i < layer->size(); ++i) {
      entries.push_back({layer->refs[i], layer->positions[i], layer->codes[i]});
    }
    auto new_base = MultiIndex::build(entries, options.key_bits);
    entries = {};
    {
      std::scoped_lock w(writer);
      std::scoped_lock t(turnstile);
      std::unique_lock s(state);
      base = std::move(new_base);
      // Removes that happened during the build apply to the entries the build took over.
      base_tombstones = std::move(pending_tombstones);
      base_removed = pending_removed;
      pending_tombstones = Tombstones{};
      pending_removed = 0;
      frozen.reset();
      frozen_tombstones = Tombstones{};
      frozen_removed = 0;
    }
  }
};

HammingIndex::HammingIndex(HammingIndexOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.key_bits < 0 || options.key_bits > detail::kMaxKeyBits) {
    throw SearchError("HammingIndex key_bits " + std::to_string(options.key_bits) +
                      " is outside 0-21 (0 picks it from the size)");
  }
  impl_->options = options;
}

HammingIndex::~HammingIndex() = default;

void HammingIndex::build(std::vector<ImageEntry> entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) validate(entries[i], i);
  Impl& m = *impl_;
  std::scoped_lock g(m.merging);
  std::scoped_lock w(m.writer);
  auto new_base = MultiIndex::build(entries, m.options.key_bits);
  entries = {};
  std::scoped_lock t(m.turnstile);
  std::unique_lock s(m.state);
  m.base = std::move(new_base);
  m.base_tombstones = Tombstones{};
  m.base_removed = 0;
  m.delta = FlatLayer{};
}

void HammingIndex::add(std::span<const ImageEntry> entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) validate(entries[i], i);
  Impl& m = *impl_;
  bool merge_now = false;
  {
    std::scoped_lock w(m.writer);
    std::scoped_lock t(m.turnstile);
    std::unique_lock s(m.state);
    for (const ImageEntry& e : entries) m.delta.append(e);
    merge_now = m.wants_merge();
  }
  if (merge_now) {
    // If a merge is already running, the next add after it will start another.
    std::unique_lock g(m.merging, std::try_to_lock);
    if (g.owns_lock()) m.merge();
  }
}

std::size_t HammingIndex::remove_post(std::uint64_t post_ref) {
  Impl& m = *impl_;
  bool merge_now = false;
  std::size_t removed = 0;
  {
    std::scoped_lock w(m.writer);
    // base and frozen only change under `writer`: count without blocking searches.
    const std::size_t in_base =
        m.base_tombstones.contains(post_ref) ? 0 : m.base->count_post(post_ref);
    const std::size_t in_frozen =
        !m.frozen || m.frozen_tombstones.contains(post_ref) ? 0 : m.frozen->count_post(post_ref);
    std::scoped_lock t(m.turnstile);
    std::unique_lock s(m.state);
    removed = m.delta.erase_post(post_ref) + in_base + in_frozen;
    if (in_base > 0) {
      m.base_tombstones.insert(post_ref);
      m.base_removed += in_base;
    }
    if (in_frozen > 0) {
      m.frozen_tombstones.insert(post_ref);
      m.frozen_removed += in_frozen;
    }
    if (m.frozen && in_base + in_frozen > 0) {
      m.pending_tombstones.insert(post_ref);
      m.pending_removed += in_base + in_frozen;
    }
    merge_now = m.wants_merge();
  }
  if (merge_now) {
    std::unique_lock g(m.merging, std::try_to_lock);
    if (g.owns_lock()) m.merge();
  }
  return removed;
}

std::vector<Match> HammingIndex::search(std::uint64_t query, int radius) const {
  validate_radius(radius);
  const Impl& m = *impl_;
  std::vector<Match> out;
  {
    std::vector<detail::BaseHit> hits;
    { std::scoped_lock t(m.turnstile); }
    std::shared_lock s(m.state);
    m.base->search(query, radius, m.options.linear_fallback, hits);
    out.reserve(hits.size());
    const bool filter = !m.base_tombstones.empty();
    for (const detail::BaseHit& h : hits) {
      const std::uint64_t ref = m.base->post_ref(h.index);
      if (filter && m.base_tombstones.contains(ref)) continue;
      out.push_back({ref, m.base->position(h.index), h.distance, m.base->code(h.index)});
    }
    if (m.frozen) m.frozen->search(query, radius, &m.frozen_tombstones, out);
    m.delta.search(query, radius, nullptr, out);
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) { return match_less(a, b); });
  return out;
}

void HammingIndex::compact() {
  std::scoped_lock g(impl_->merging);
  impl_->merge();
}

std::size_t HammingIndex::size() const {
  std::shared_lock s(impl_->state);
  return impl_->live();
}

HammingIndexStats HammingIndex::stats() const {
  const Impl& m = *impl_;
  std::shared_lock s(m.state);
  HammingIndexStats st;
  st.live_entries = m.live();
  st.indexed_entries = m.base->size();
  st.pending_entries = m.delta.size() + (m.frozen ? m.frozen->size() : 0);
  st.stored_entries = st.indexed_entries + st.pending_entries;
  st.key_bits = m.base->key_bits();
  st.memory_bytes = sizeof(Impl) + m.base->memory_bytes() + m.delta.memory_bytes() +
                    tombstone_bytes(m.base_tombstones) + tombstone_bytes(m.frozen_tombstones) +
                    tombstone_bytes(m.pending_tombstones);
  if (m.frozen) st.memory_bytes += m.frozen->memory_bytes();
  return st;
}

std::vector<Match> linear_search(std::span<const ImageEntry> entries, std::uint64_t query,
                                 int radius) {
  validate_radius(radius);
  std::vector<Match> out;
  for (const ImageEntry& e : entries) {
    const int d = std::popcount(e.fingerprint ^ query);
    if (d <= radius) out.push_back({e.post_ref, e.position, static_cast<std::uint8_t>(d), e.fingerprint});
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) { return match_less(a, b); });
  return out;
}

std::vector<CodeHit> linear_search_codes(std::span<const std::uint64_t> codes, std::uint64_t query,
                                         int radius) {
  validate_radius(radius);
  std::vector<CodeHit> out;
  detail::scan_codes(codes.data(), codes.size(), query, radius, 0, out);
  return out;
}

const char* linear_scan_kernel() { return detail::scan_kernel_name(); }

void order_results(std::vector<Match>& matches,
                   const std::function<unsigned(std::uint64_t post_ref)>& images_count) {
  std::unordered_map<std::uint64_t, unsigned> counts;
  for (const Match& m : matches) {
    if (!counts.contains(m.post_ref)) counts.emplace(m.post_ref, images_count(m.post_ref));
  }
  std::sort(matches.begin(), matches.end(), [&](const Match& a, const Match& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    const unsigned ca = counts.at(a.post_ref);
    const unsigned cb = counts.at(b.post_ref);
    if (ca != cb) return ca < cb;
    return match_less(a, b);
  });
}

}  // namespace aotf::search
