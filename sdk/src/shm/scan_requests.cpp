// Scan requests: the table keyed by (platform, account ID) and the four A/B queues, under
// PipelineState::scan_mutex (the original's requests_sem and queues_sem together, so a launch,
// a promotion and a pop that marks a listing started are each one critical section).
//
// Invariants (restored by repair_scans):
//  - a slot is in use iff its hash is not 0, and the hash matches (platform, account ID);
//  - an unfinished scan whose listing L has not started is in exactly one queue of L: the
//    priority queue if the scan is priority, else the normal one; no other scan is queued;
//  - each queue is in queue_sequence order; processing = unfinished scans.
#include <algorithm>
#include <vector>

#include "aotf/shm/pipelines.hpp"
#include "pipeline_records.hpp"

namespace aotf::shm {

using detail::ScanRecord;

namespace {

constexpr std::uint8_t kScanSalt = 3;

struct Scans {
  Segment& segment;
  PipelineState& s;
  std::uint32_t capacity;
  std::uint64_t* hashes;
  ScanRecord* records;

  explicit Scans(Segment& seg)
      : segment(seg),
        s(seg.pipelines()),
        capacity(s.capacities.scan_requests),
        hashes(detail::at<std::uint64_t>(s, s.scan_hashes_offset)),
        records(detail::at<ScanRecord>(s, s.scan_records_offset)) {}

  detail::PipelineLock lock() {
    return detail::PipelineLock(s.scan_mutex, [this] { detail::repair_scans(segment); });
  }

  // Queue index: listing * 2 + (0 priority, 1 normal).
  detail::Ring queue(int index) {
    return detail::Ring{s.scan_queue_head[index], s.scan_queue_tail[index],
                        detail::at<std::uint64_t>(s, s.scan_queue_offset[index]), capacity};
  }
  static int queue_of(int listing, bool priority) { return listing * 2 + (priority ? 0 : 1); }

  std::optional<std::uint32_t> find(std::string_view platform, std::string_view id) const {
    const std::uint64_t h = detail::key_hash(platform, id, kScanSalt);
    for (std::uint32_t i = 0; i < capacity; ++i) {
      if (hashes[i] == h && platform == records[i].platform && id == records[i].account_id) return i;
    }
    return std::nullopt;
  }

  ScanRecord* resolve(RequestRef ref) {
    if (ref.kind != RequestRef::Scan || ref.slot >= capacity || hashes[ref.slot] == 0) return nullptr;
    ScanRecord& r = records[ref.slot];
    return r.generation == ref.generation ? &r : nullptr;
  }

  RequestRef ref_of(std::uint32_t slot) const { return {RequestRef::Scan, slot, records[slot].generation}; }

  void enqueue(std::uint32_t slot, int listing) {
    ScanRecord& r = records[slot];
    detail::Ring ring = queue(queue_of(listing, r.is_priority != 0));
    r.queued[listing] = 1;
    r.queue_sequence[listing] = ++s.scan_sequence;
    ring.push(detail::pack(ref_of(slot)));
    s.scan_ready[listing].notify_one();
  }

  void unqueue(std::uint32_t slot, int listing, bool from_priority) {
    const std::uint64_t item = detail::pack(ref_of(slot));
    queue(queue_of(listing, from_priority)).compact([item](std::uint64_t x) { return x != item; });
  }

  bool end(std::uint32_t slot, std::int64_t now) {
    ScanRecord& r = records[slot];
    if (r.finished_ms != 0) return false;
    for (int listing = 0; listing < 2; ++listing) {
      if (r.queued[listing]) {
        unqueue(slot, listing, r.is_priority != 0);
        r.queued[listing] = 0;
      }
    }
    r.finished_ms = std::max<std::int64_t>(now, 1);
    if (s.scan_processing > 0) --s.scan_processing;
    return true;
  }

  ScanSnapshot snapshot(std::uint32_t slot) const {
    const ScanRecord& r = records[slot];
    ScanSnapshot out;
    out.ref = ref_of(slot);
    out.platform = r.platform;
    out.account_id = r.account_id;
    out.account_name = r.account_name;
    out.is_priority = r.is_priority != 0;
    out.reset_search_cursor = r.reset_search_cursor != 0;
    out.unfound = r.unfound != 0;
    out.blocklisted = r.blocklisted != 0;
    out.has_failed = r.has_failed != 0;
    out.started_search = r.started[0] != 0;
    out.started_timeline = r.started[1] != 0;
    out.finished_search = r.finished[0] != 0;
    out.finished_timeline = r.finished[1] != 0;
    out.created_ms = r.created_ms;
    out.finished_ms = r.finished_ms;
    return out;
  }

  void unpublish(std::uint32_t slot) {
    end(slot, 1);
    hashes[slot] = 0;
    if (s.scan_count > 0) --s.scan_count;
  }
};

}  // namespace

namespace detail {

void repair_scans(Segment& segment) {
  Scans sc(segment);
  PipelineState& s = sc.s;
  s.scan_count = s.scan_processing = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> queued[4];
  for (std::uint32_t i = 0; i < sc.capacity; ++i) {
    if (sc.hashes[i] == 0) continue;
    ScanRecord& r = sc.records[i];
    terminate(r.platform);
    terminate(r.account_id);
    terminate(r.account_name);
    if (key_hash(r.platform, r.account_id, kScanSalt) != sc.hashes[i]) {
      sc.hashes[i] = 0;
      continue;
    }
    ++s.scan_count;
    if (r.finished_ms != 0) {
      r.queued[0] = r.queued[1] = 0;
      continue;
    }
    ++s.scan_processing;
    for (int listing = 0; listing < 2; ++listing) {
      r.queued[listing] = r.started[listing] ? 0 : 1;
      if (!r.queued[listing]) continue;
      if (r.queue_sequence[listing] == 0) r.queue_sequence[listing] = ++s.scan_sequence;
      queued[Scans::queue_of(listing, r.is_priority != 0)].emplace_back(r.queue_sequence[listing], i);
    }
  }
  for (int q = 0; q < 4; ++q) {
    std::sort(queued[q].begin(), queued[q].end());
    Ring ring = sc.queue(q);
    ring.reset();
    for (const auto& [sequence, slot] : queued[q]) ring.push(pack(sc.ref_of(slot)));
  }
}

}  // namespace detail

ScanLaunch ScanRequests::launch(std::string_view platform, std::string_view account_id, std::string_view account_name,
                                bool priority, bool reset_search_cursor, std::int64_t now, std::int64_t recent_ms) {
  detail::check_platform("scan platform", platform);
  if (account_id.empty()) throw PipelineError("scan account ID is empty");
  detail::check_text("scan account ID", account_id, kMaxAccountId);
  detail::check_text("scan account name", account_name, kMaxAccountName);
  Scans sc(segment_);
  auto lock = sc.lock();
  if (const auto found = sc.find(platform, account_id)) {
    ScanRecord& r = sc.records[*found];
    if (r.finished_ms != 0) {
      if (now - r.finished_ms < recent_ms) return {false, sc.snapshot(*found)};
      sc.unpublish(*found);  // ended long ago: a new scan replaces it
    } else {
      if (priority && !r.is_priority) {
        // Promotion (defect 16.1 of the original: this never happened there). A listing that has
        // started is not moved: it is no longer queued.
        r.is_priority = 1;
        for (int listing = 0; listing < 2; ++listing) {
          if (r.started[listing] || !r.queued[listing]) continue;
          sc.unqueue(*found, listing, false);
          detail::crash_point(fault_injection::CrashPoint::ScanPromoteMidMove);
          sc.enqueue(*found, listing);
        }
      }
      if (reset_search_cursor && !r.started[0]) r.reset_search_cursor = 1;
      return {false, sc.snapshot(*found)};
    }
  }
  std::optional<std::uint32_t> slot;
  for (std::uint32_t i = 0; i < sc.capacity && !slot; ++i) {
    if (sc.hashes[i] == 0) slot = i;
  }
  if (!slot) {
    detail::refuse_full(segment_, "the scan-request table is full (" + std::to_string(sc.capacity) +
                                      " scans in memory); raise runtime.scan_requests");
  }
  ScanRecord& r = sc.records[*slot];
  const std::uint32_t generation = r.generation + 1 == 0 ? 1 : r.generation + 1;
  std::memset(static_cast<void*>(&r), 0, sizeof r);
  r.generation = generation;
  detail::put(r.platform, platform);
  detail::put(r.account_id, account_id);
  detail::put(r.account_name, account_name);
  r.is_priority = priority ? 1 : 0;
  r.reset_search_cursor = reset_search_cursor ? 1 : 0;
  r.created_ms = now;
  detail::publication_point();
  sc.hashes[*slot] = detail::key_hash(platform, account_id, kScanSalt);
  ++sc.s.scan_count;
  ++sc.s.scan_processing;
  sc.enqueue(*slot, 0);
  sc.enqueue(*slot, 1);
  return {true, sc.snapshot(*slot)};
}

std::optional<ScanSnapshot> ScanRequests::get(RequestRef ref) {
  Scans sc(segment_);
  auto lock = sc.lock();
  if (!sc.resolve(ref)) return std::nullopt;
  return sc.snapshot(ref.slot);
}

std::optional<ScanSnapshot> ScanRequests::get(std::string_view platform, std::string_view account_id) {
  Scans sc(segment_);
  auto lock = sc.lock();
  const auto slot = sc.find(platform, account_id);
  if (!slot) return std::nullopt;
  return sc.snapshot(*slot);
}

std::optional<ScanSnapshot> ScanRequests::pop(Listing listing, std::chrono::milliseconds timeout) {
  const int l = static_cast<int>(listing);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Scans sc(segment_);
  auto lock = sc.lock();
  for (;;) {
    for (const bool priority : {true, false}) {
      detail::Ring ring = sc.queue(Scans::queue_of(l, priority));
      while (ring.size() > 0) {
        const RequestRef ref = detail::unpack(ring.front(), RequestRef::Scan);
        ring.pop();
        detail::crash_point(fault_injection::CrashPoint::ScanPopAfterHead);
        ScanRecord* r = sc.resolve(ref);
        if (!r || !r->queued[l] || r->started[l] || r->finished_ms != 0) continue;  // stale entry
        r->started[l] = 1;
        r->queued[l] = 0;
        return sc.snapshot(ref.slot);
      }
    }
    if (!detail::wait_slice(segment_, sc.s.scan_ready[l], sc.s.scan_mutex, deadline,
                            [this] { detail::repair_scans(segment_); })) {
      return std::nullopt;
    }
  }
}

namespace {
bool end_with(Segment& segment, RequestRef ref, std::int64_t now, std::uint8_t ScanRecord::*flag) {
  Scans sc(segment);
  auto lock = sc.lock();
  ScanRecord* r = sc.resolve(ref);
  if (!r || r->finished_ms != 0) return false;
  r->*flag = 1;
  return sc.end(ref.slot, now);
}
}  // namespace

bool ScanRequests::fail(RequestRef ref, std::int64_t now) { return end_with(segment_, ref, now, &ScanRecord::has_failed); }
bool ScanRequests::mark_unfound(RequestRef ref, std::int64_t now) {
  return end_with(segment_, ref, now, &ScanRecord::unfound);
}
bool ScanRequests::mark_blocklisted(RequestRef ref, std::int64_t now) {
  return end_with(segment_, ref, now, &ScanRecord::blocklisted);
}

ListingFinish ScanRequests::finish_listing(RequestRef ref, Listing listing, std::int64_t now) {
  Scans sc(segment_);
  auto lock = sc.lock();
  ScanRecord* r = sc.resolve(ref);
  if (!r) return {};
  r->finished[static_cast<int>(listing)] = 1;
  ListingFinish out;
  out.save_cursor = !r->has_failed && !r->unfound && !r->blocklisted;
  if (r->finished[0] && r->finished[1]) out.scan_ended = sc.end(ref.slot, now);
  return out;
}

bool ScanRequests::ended(RequestRef ref) {
  Scans sc(segment_);
  auto lock = sc.lock();
  const ScanRecord* r = sc.resolve(ref);
  return !r || r->finished_ms != 0;
}

std::size_t ScanRequests::shed(std::int64_t retention_ms, std::int64_t now) {
  Scans sc(segment_);
  auto lock = sc.lock();
  std::size_t shed = 0;
  for (std::uint32_t i = 0; i < sc.capacity; ++i) {
    if (sc.hashes[i] == 0 || sc.records[i].finished_ms == 0) continue;
    if (now - sc.records[i].finished_ms > retention_ms) {
      sc.unpublish(i);
      ++shed;
    }
  }
  return shed;
}

}  // namespace aotf::shm
