// The HTTP rate limiter: IP → time of its last accepted request, under
// PipelineState::limiter_mutex. An entry is published by writing its hash last; the repair drops
// entries whose hash does not match their address and recounts.
#include <algorithm>
#include <utility>
#include <vector>

#include "aotf/shm/pipelines.hpp"
#include "pipeline_records.hpp"

namespace aotf::shm {

using detail::LimiterRecord;

namespace {

constexpr std::uint8_t kLimiterSalt = 4;

struct Limiter {
  Segment& segment;
  PipelineState& s;
  std::uint32_t capacity;
  std::uint64_t* hashes;
  LimiterRecord* records;

  explicit Limiter(Segment& seg)
      : segment(seg),
        s(seg.pipelines()),
        capacity(s.capacities.ip_addresses),
        hashes(detail::at<std::uint64_t>(s, s.limiter_hashes_offset)),
        records(detail::at<LimiterRecord>(s, s.limiter_records_offset)) {}

  detail::PipelineLock lock() {
    return detail::PipelineLock(s.limiter_mutex, [this] { detail::repair_limiter(segment); });
  }
};

// The table is open addressing with linear probing from hash % capacity, kept at most 3/4 full
// so probes stay short. Entries are only ever removed all at once (eviction, repair, clear), each
// time followed by rebuild(), so a probe chain never has a hole.
struct Probe {
  std::optional<std::uint32_t> found;  // the key's slot
  std::optional<std::uint32_t> empty;  // else the empty slot where it goes (none: table full)
};

Probe probe(Limiter& l, std::string_view key, std::uint64_t h) {
  std::uint32_t i = static_cast<std::uint32_t>(h % l.capacity);
  for (std::uint32_t n = 0; n < l.capacity; ++n) {
    const std::uint64_t hi = l.hashes[i];
    if (hi == 0) return {std::nullopt, i};
    if (hi == h && key == l.records[i].ip) return {i, std::nullopt};
    i = i + 1 == l.capacity ? 0 : i + 1;
  }
  return {};
}

// Puts every remaining entry back at its probe position. A process killed half way loses some
// addresses (they may send one request early), never the table's consistency: each entry is
// published by its hash, written last.
void rebuild(Limiter& l) {
  std::vector<std::pair<std::string, std::int64_t>> entries;
  for (std::uint32_t i = 0; i < l.capacity; ++i) {
    if (l.hashes[i] != 0) entries.emplace_back(l.records[i].ip, l.records[i].last_ms);
  }
  for (std::uint32_t i = 0; i < l.capacity; ++i) l.hashes[i] = 0;
  l.s.limiter_count = 0;
  for (const auto& [ip, last_ms] : entries) {
    const std::uint64_t h = detail::key_hash(ip, {}, kLimiterSalt);
    const Probe p = probe(l, ip, h);
    if (!p.empty) break;
    detail::put(l.records[*p.empty].ip, ip);
    l.records[*p.empty].last_ms = last_ms;
    detail::publication_point();
    l.hashes[*p.empty] = h;
    ++l.s.limiter_count;
  }
}

// Frees the oldest quarter of the entries at once (at least one), so a flood of new addresses
// pays for one pass over the table every capacity/4 insertions rather than on each.
void evict_oldest(Limiter& l) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> by_age;
  by_age.reserve(l.capacity);
  for (std::uint32_t i = 0; i < l.capacity; ++i) {
    if (l.hashes[i] != 0) by_age.emplace_back(l.records[i].last_ms, i);
  }
  if (by_age.empty()) return;
  const std::size_t evicted = std::max<std::size_t>(1, by_age.size() / 4);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(evicted - 1), by_age.end());
  for (std::size_t k = 0; k < evicted; ++k) l.hashes[by_age[k].second] = 0;
  rebuild(l);
}

}  // namespace

namespace detail {

void repair_limiter(Segment& segment) {
  Limiter l(segment);
  l.s.limiter_count = 0;
  for (std::uint32_t i = 0; i < l.capacity; ++i) {
    if (l.hashes[i] == 0) continue;
    terminate(l.records[i].ip);
    if (key_hash(l.records[i].ip, {}, kLimiterSalt) != l.hashes[i]) {
      l.hashes[i] = 0;
    } else {
      ++l.s.limiter_count;
    }
  }
  rebuild(l);  // dropped entries left holes in probe chains
}

}  // namespace detail

bool RateLimiter::allow(std::string_view ip, std::int64_t now, std::int64_t interval_ms) {
  // X-Forwarded-For may carry anything: an over-long key is cut, never refused, so the limit
  // still applies to it.
  if (ip.size() > kMaxIpAddress) ip = ip.substr(0, kMaxIpAddress);
  const std::string key(ip.data(), ip.find('\0') == std::string_view::npos ? ip.size() : ip.find('\0'));
  const std::uint64_t h = detail::key_hash(key, {}, kLimiterSalt);
  Limiter l(segment_);
  auto lock = l.lock();
  if (l.capacity == 0) return true;  // no capacity at all: limiting is off
  Probe p = probe(l, key, h);
  if (p.found) {
    LimiterRecord& r = l.records[*p.found];
    if (now - r.last_ms > interval_ms) {
      r.last_ms = now;
      return true;
    }
    return false;
  }
  // At most 3/4 full: the addresses seen longest ago make room for a flood of new ones.
  if (l.s.limiter_count + 1 > std::max<std::uint32_t>(1, l.capacity / 4 * 3)) {
    evict_oldest(l);
    p = probe(l, key, h);
  }
  if (!p.empty) return true;  // cannot happen after an eviction; never refuse for lack of room
  const std::uint32_t slot = *p.empty;
  ++l.s.limiter_count;
  detail::put(l.records[slot].ip, key);
  l.records[slot].last_ms = now;
  detail::crash_point(fault_injection::CrashPoint::LimiterInsertBeforePublish);
  detail::publication_point();
  l.hashes[slot] = h;
  return true;
}

void RateLimiter::clear() {
  Limiter l(segment_);
  auto lock = l.lock();
  for (std::uint32_t i = 0; i < l.capacity; ++i) l.hashes[i] = 0;
  l.s.limiter_count = 0;
}

std::size_t RateLimiter::size() {
  Limiter l(segment_);
  auto lock = l.lock();
  return l.s.limiter_count;
}

}  // namespace aotf::shm
