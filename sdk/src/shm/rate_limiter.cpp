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

// Frees the oldest quarter of a full table at once (at least one entry), so a flood of new
// addresses pays for one pass over the records every capacity/4 insertions rather than on each.
// Returns a freed slot.
std::uint32_t evict_oldest(Limiter& l) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> by_age;
  by_age.reserve(l.capacity);
  for (std::uint32_t i = 0; i < l.capacity; ++i) {
    if (l.hashes[i] != 0) by_age.emplace_back(l.records[i].last_ms, i);
  }
  const std::size_t evicted = std::max<std::size_t>(1, by_age.size() / 4);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(evicted - 1), by_age.end());
  for (std::size_t k = 0; k < evicted; ++k) {
    l.hashes[by_age[k].second] = 0;
    --l.s.limiter_count;
  }
  return by_age.front().second;
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
  // Only the hashes are scanned (8 bytes per entry, in order); a record is read when its hash
  // matches. Reading every record on every call made this lock the HTTP server's bottleneck.
  std::optional<std::uint32_t> free;
  for (std::uint32_t i = 0; i < l.capacity; ++i) {
    const std::uint64_t hi = l.hashes[i];
    if (hi == 0) {
      if (!free) free = i;
      continue;
    }
    if (hi != h) continue;
    LimiterRecord& r = l.records[i];
    if (key == r.ip) {
      if (now - r.last_ms > interval_ms) {
        r.last_ms = now;
        return true;
      }
      return false;
    }
  }
  if (!free) free = evict_oldest(l);  // full: the addresses seen longest ago make room
  const std::uint32_t slot = *free;
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
