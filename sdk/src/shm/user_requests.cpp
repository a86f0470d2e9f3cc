// User requests: the table keyed by input string, the step 1/2/3 queues and the per-IP
// unfinished-request counters, all under PipelineState::user_mutex.
//
// Invariants (restored by repair_users):
//  - a slot is in use iff its hash is not 0, and the hash matches its key;
//  - finished_ms != 0 iff status == END, and a finished request is in no queue;
//  - status WAIT_LINK_FINDER / WAIT_INDEX_ACCOUNTS_TWEETS / WAIT_IMAGE_REVERSE_SEARCH means the
//    request is in queue 1 / 2 / 3 (INDEX_ACCOUNTS_TWEETS may be in queue 2 or with a worker);
//  - record.queued == q iff the ring of queue q holds it exactly once, in queue_sequence order;
//  - processing = unfinished requests, and each IP counter = unfinished requests of that IP.
#include <algorithm>
#include <vector>

#include "aotf/shm/pipelines.hpp"
#include "pipeline_records.hpp"

namespace aotf::shm {

using detail::UserRecord;

namespace {

constexpr std::uint8_t kDirectSalt = 1;
constexpr std::uint8_t kIpSalt = 2;

struct Users {
  Segment& segment;
  PipelineState& s;
  std::uint32_t capacity;
  std::uint32_t ip_capacity;
  std::uint64_t* hashes;
  UserRecord* records;
  std::uint64_t* ip_hashes;
  detail::IpRecord* ips;

  explicit Users(Segment& seg)
      : segment(seg),
        s(seg.pipelines()),
        capacity(s.capacities.user_requests),
        ip_capacity(s.capacities.ip_addresses),
        hashes(detail::at<std::uint64_t>(s, s.user_hashes_offset)),
        records(detail::at<UserRecord>(s, s.user_records_offset)),
        ip_hashes(detail::at<std::uint64_t>(s, s.ip_hashes_offset)),
        ips(detail::at<detail::IpRecord>(s, s.ip_records_offset)) {}

  detail::PipelineLock lock() {
    return detail::PipelineLock(s.user_mutex, [this] { detail::repair_users(segment); });
  }

  detail::Ring queue(int step) {
    const int q = step - 1;
    return detail::Ring{s.user_queue_head[q], s.user_queue_tail[q],
                        detail::at<std::uint64_t>(s, s.user_queue_offset[q]), capacity};
  }

  std::optional<std::uint32_t> find(std::string_view key, bool direct) const {
    const std::uint64_t h = detail::key_hash(key, {}, direct ? kDirectSalt : 0);
    for (std::uint32_t i = 0; i < capacity; ++i) {
      if (hashes[i] == h && records[i].is_direct == direct && key == records[i].key) return i;
    }
    return std::nullopt;
  }

  UserRecord* resolve(RequestRef ref) {
    if (ref.kind != RequestRef::User || ref.slot >= capacity || hashes[ref.slot] == 0) return nullptr;
    UserRecord& r = records[ref.slot];
    return r.generation == ref.generation ? &r : nullptr;
  }

  RequestRef ref_of(std::uint32_t slot) const { return {RequestRef::User, slot, records[slot].generation}; }

  // --- per-IP counters ----------------------------------------------------------------------
  std::optional<std::uint32_t> ip_find(std::string_view ip) const {
    const std::uint64_t h = detail::key_hash(ip, {}, kIpSalt);
    for (std::uint32_t i = 0; i < ip_capacity; ++i) {
      if (ip_hashes[i] == h && ip == ips[i].ip) return i;
    }
    return std::nullopt;
  }
  bool ip_has_room() const {
    for (std::uint32_t i = 0; i < ip_capacity; ++i) {
      if (ip_hashes[i] == 0) return true;
    }
    return false;
  }
  std::uint32_t ip_unfinished(std::string_view ip) const {
    const auto i = ip_find(ip);
    return i ? ips[*i].unfinished : 0;
  }
  void ip_increment(std::string_view ip) {
    if (ip.empty()) return;
    if (const auto i = ip_find(ip)) {
      ++ips[*i].unfinished;
      return;
    }
    for (std::uint32_t i = 0; i < ip_capacity; ++i) {
      if (ip_hashes[i] != 0) continue;
      detail::put(ips[i].ip, ip);
      ips[i].unfinished = 1;
      detail::publication_point();
      ip_hashes[i] = detail::key_hash(ip, {}, kIpSalt);
      ++s.ip_count;
      return;
    }
  }
  void ip_decrement(std::string_view ip) {
    if (ip.empty()) return;
    const auto i = ip_find(ip);
    if (!i) return;
    if (ips[*i].unfinished <= 1) {
      ip_hashes[*i] = 0;
      if (s.ip_count > 0) --s.ip_count;
    } else {
      --ips[*i].unfinished;
    }
  }

  // --- queues and transitions ---------------------------------------------------------------
  void push(std::uint32_t slot, int step) {
    detail::Ring ring = queue(step);
    if (ring.full()) {
      // Cannot happen: a request is in at most one queue and every ring holds the whole table.
      detail::refuse_full(segment, "the step " + std::to_string(step) + " queue is full");
    }
    UserRecord& r = records[slot];
    r.queued = static_cast<std::uint8_t>(step);
    r.queue_sequence = ++s.user_sequence;
    ring.push(detail::pack(ref_of(slot)));
    s.user_ready[step - 1].notify_one();
  }

  void unqueue(std::uint32_t slot) {
    UserRecord& r = records[slot];
    if (r.queued == 0) return;
    const std::uint64_t item = detail::pack(ref_of(slot));
    queue(r.queued).compact([item](std::uint64_t x) { return x != item; });
    r.queued = 0;
  }

  bool end(std::uint32_t slot, UserError error, std::int64_t now) {
    UserRecord& r = records[slot];
    if (r.finished_ms != 0) return false;  // END side effects happen once (defect 16.6)
    if (error != UserError::None) r.error = static_cast<std::uint8_t>(error);
    unqueue(slot);
    r.finished_ms = std::max<std::int64_t>(now, 1);
    detail::publication_point();
    r.status = static_cast<std::int8_t>(UserStatus::End);
    detail::crash_point(fault_injection::CrashPoint::UserEndBeforeCounts);
    if (s.user_processing > 0) --s.user_processing;
    ip_decrement(r.ip);
    return true;
  }

  bool next_step(std::uint32_t slot, std::int64_t now) {
    UserRecord& r = records[slot];
    if (r.finished_ms != 0) return false;
    const auto status = static_cast<UserStatus>(r.status);
    if (status == UserStatus::ReverseSearch) return end(slot, UserError::None, now);
    if (status == UserStatus::End) return false;
    unqueue(slot);  // only a misuse (next_step on a queued request) finds it queued
    const int next = r.status + 1;
    r.status = static_cast<std::int8_t>(next);
    if (next == 0 || next == 2 || next == 4) push(slot, next / 2 + 1);
    return true;
  }

  // Stores a new record and publishes it. The caller checked the limits and the room.
  std::uint32_t insert(std::uint32_t slot, std::string_view key, bool direct, std::string_view ip,
                       std::int64_t now) {
    UserRecord& r = records[slot];
    const std::uint32_t generation = r.generation + 1 == 0 ? 1 : r.generation + 1;
    std::memset(static_cast<void*>(&r), 0, sizeof r);
    r.generation = generation;
    r.status = static_cast<std::int8_t>(UserStatus::Null);
    r.is_direct = direct ? 1 : 0;
    r.created_ms = now;
    detail::put(r.key, key);
    detail::put(r.ip, ip);
    ip_increment(ip);
    ++s.user_processing;
    ++(direct ? s.direct_count : s.user_count);
    detail::crash_point(fault_injection::CrashPoint::UserInsertBeforePublish);
    detail::publication_point();
    hashes[slot] = detail::key_hash(key, {}, direct ? kDirectSalt : 0);
    return slot;
  }

  void unpublish(std::uint32_t slot) {
    UserRecord& r = records[slot];
    unqueue(slot);
    hashes[slot] = 0;
    if (r.finished_ms == 0) {
      if (s.user_processing > 0) --s.user_processing;
      ip_decrement(r.ip);
    }
    auto& count = r.is_direct ? s.direct_count : s.user_count;
    if (count > 0) --count;
  }

  // Checks the per-IP limit and the room; returns the free slot, or nullopt when the IP is over
  // its limit. Throws CapacityError when a table is full.
  std::optional<std::uint32_t> admit(std::string_view ip, const IpLimit& limit) {
    if (!ip.empty() &&
        std::find(limit.unlimited.begin(), limit.unlimited.end(), ip) == limit.unlimited.end() &&
        ip_unfinished(ip) >= limit.max_unfinished) {
      return std::nullopt;
    }
    std::optional<std::uint32_t> free;
    for (std::uint32_t i = 0; i < capacity && !free; ++i) {
      if (hashes[i] == 0) free = i;
    }
    if (!free) {
      detail::refuse_full(segment, "the user-request table is full (" + std::to_string(capacity) +
                                       " requests in memory); raise runtime.user_requests");
    }
    if (!ip.empty() && !ip_find(ip) && !ip_has_room()) {
      detail::refuse_full(segment, "the per-IP counters are full (" + std::to_string(ip_capacity) +
                                       " addresses); raise runtime.ip_addresses");
    }
    return free;
  }

  UserRequestSnapshot snapshot(std::uint32_t slot) const {
    const UserRecord& r = records[slot];
    UserRequestSnapshot out;
    out.ref = ref_of(slot);
    out.input_url = r.key;
    out.ip_address = r.ip;
    out.is_direct = r.is_direct != 0;
    out.status = static_cast<UserStatus>(r.status);
    out.error = static_cast<UserError>(r.error);
    for (std::size_t i = 0; i < std::min<std::size_t>(r.image_count, kMaxImages); ++i) out.image_urls.emplace_back(r.images[i]);
    for (std::size_t i = 0; i < std::min<std::size_t>(r.account_count, kMaxAccounts); ++i) {
      out.accounts.push_back({r.accounts[i].platform, r.accounts[i].name, r.accounts[i].id});
    }
    out.published_ms = r.published_ms;
    out.has_first_time_scan = r.has_first_time_scan != 0;
    out.scans_launched = r.scans_launched != 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(r.scan_count, kMaxScans); ++i) out.scans.push_back(r.scans[i]);
    for (std::size_t i = 0; i < std::min<std::size_t>(r.result_count, kMaxResults); ++i) {
      const auto& x = r.results[i];
      out.results.push_back({x.platform, x.post_id, x.account_id, x.position, x.count, x.distance});
    }
    out.created_ms = r.created_ms;
    out.finished_ms = r.finished_ms;
    out.last_seen_indexer_ms = r.last_seen_ms;
    return out;
  }
};

LaunchOutcome refused(std::string_view key, std::string_view ip, bool direct) {
  LaunchOutcome out;
  out.refused = UserError::YourIpHasMaxProcessingRequests;
  out.request.input_url = key;
  out.request.ip_address = ip;
  out.request.is_direct = direct;
  out.request.status = UserStatus::Null;
  out.request.error = UserError::YourIpHasMaxProcessingRequests;
  return out;
}

void check_key(std::string_view what, std::string_view key) {
  if (key.empty()) throw PipelineError(std::string(what) + " is empty");
  detail::check_text(what, key, kMaxInputUrl);
}

void check_images(const std::vector<std::string>& image_urls) {
  if (image_urls.size() > kMaxImages) {
    throw PipelineError("a user request keeps at most " + std::to_string(kMaxImages) + " image URLs, got " +
                        std::to_string(image_urls.size()));
  }
  for (std::size_t i = 0; i < image_urls.size(); ++i) {
    detail::check_text("image URL " + std::to_string(i + 1), image_urls[i], kMaxImageUrl);
  }
}

bool looks_like_url(std::string_view key) {
  return key.rfind("http://", 0) == 0 || key.rfind("https://", 0) == 0;
}

}  // namespace

namespace detail {

void repair_users(Segment& segment) {
  Users u(segment);
  PipelineState& s = u.s;
  s.user_count = s.direct_count = s.user_processing = 0;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> queued[3];
  for (std::uint32_t i = 0; i < u.capacity; ++i) {
    if (u.hashes[i] == 0) continue;
    UserRecord& r = u.records[i];
    terminate(r.key);
    terminate(r.ip);
    if (key_hash(r.key, {}, r.is_direct ? kDirectSalt : 0) != u.hashes[i]) {
      u.hashes[i] = 0;  // half inserted or half overwritten: drop it
      continue;
    }
    for (auto& image : r.images) terminate(image);
    for (auto& a : r.accounts) {
      terminate(a.platform);
      terminate(a.name);
      terminate(a.id);
    }
    for (auto& x : r.results) {
      terminate(x.platform);
      terminate(x.post_id);
      terminate(x.account_id);
    }
    r.image_count = std::min<std::uint8_t>(r.image_count, kMaxImages);
    r.account_count = std::min<std::uint8_t>(r.account_count, kMaxAccounts);
    r.scan_count = std::min<std::uint8_t>(r.scan_count, kMaxScans);
    r.result_count = std::min<std::uint8_t>(r.result_count, kMaxResults);
    ++(r.is_direct ? s.direct_count : s.user_count);
    if (r.finished_ms != 0) {
      r.status = static_cast<std::int8_t>(UserStatus::End);
      r.queued = 0;
      continue;
    }
    ++s.user_processing;
    // Statuses that mean "waiting in a queue" put the request back in it; a request created but
    // not yet queued finishes its launch.
    if (r.status == static_cast<std::int8_t>(UserStatus::Null) ||
        r.status >= static_cast<std::int8_t>(UserStatus::End) || r.status < -1) {
      r.status = static_cast<std::int8_t>(r.is_direct ? UserStatus::WaitReverseSearch : UserStatus::WaitLinkFinder);
    }
    if (r.is_direct && r.status == static_cast<std::int8_t>(UserStatus::IndexAccounts)) {
      r.status = static_cast<std::int8_t>(UserStatus::WaitReverseSearch);
    }
    switch (static_cast<UserStatus>(r.status)) {
      case UserStatus::WaitLinkFinder: r.queued = 1; break;
      case UserStatus::WaitIndexAccounts: r.queued = 2; break;
      case UserStatus::WaitReverseSearch: r.queued = 3; break;
      case UserStatus::IndexAccounts: r.queued = r.queued == 2 ? 2 : 0; break;
      default: r.queued = 0; break;
    }
    if (r.queued) {
      if (r.queue_sequence == 0) r.queue_sequence = ++s.user_sequence;
      queued[r.queued - 1].emplace_back(r.queue_sequence, i);
    }
  }
  for (int q = 0; q < 3; ++q) {
    std::sort(queued[q].begin(), queued[q].end());
    Ring ring = u.queue(q + 1);
    ring.reset();
    for (const auto& [sequence, slot] : queued[q]) ring.push(pack(u.ref_of(slot)));
  }
  // The per-IP counters are derived from the unfinished requests.
  for (std::uint32_t i = 0; i < u.ip_capacity; ++i) u.ip_hashes[i] = 0;
  s.ip_count = 0;
  for (std::uint32_t i = 0; i < u.capacity; ++i) {
    if (u.hashes[i] != 0 && u.records[i].finished_ms == 0) u.ip_increment(u.records[i].ip);
  }
}

}  // namespace detail

LaunchOutcome UserRequests::launch(std::string_view input_url, std::string_view ip, const IpLimit& limit,
                                   std::int64_t now) {
  check_key("input URL", input_url);
  detail::check_text("IP address", ip, kMaxIpAddress);
  Users u(segment_);
  auto lock = u.lock();
  if (const auto slot = u.find(input_url, false)) return {UserError::None, false, u.snapshot(*slot)};
  const auto slot = u.admit(ip, limit);
  if (!slot) return refused(input_url, ip, false);
  u.insert(*slot, input_url, false, ip, now);
  u.next_step(*slot, now);  // null → WAIT_LINK_FINDER, queue 1
  return {UserError::None, true, u.snapshot(*slot)};
}

LaunchOutcome UserRequests::launch_direct(std::string_view key, std::string_view account_name, std::string_view ip,
                                          const IpLimit& limit, std::int64_t now) {
  check_key("direct request key", key);
  detail::check_text("account name", account_name, kMaxAccountName);
  detail::check_text("IP address", ip, kMaxIpAddress);
  Users u(segment_);
  auto lock = u.lock();
  if (const auto existing = u.find(key, true)) {
    const UserRecord& r = u.records[*existing];
    const std::string_view stored = r.account_count ? std::string_view(r.accounts[0].name) : std::string_view();
    if (stored.empty() || stored == account_name) return {UserError::None, false, u.snapshot(*existing)};
    if (r.finished_ms == 0) {
      throw PipelineError("a direct request for " + std::string(key) + " on account @" + std::string(stored) +
                          " is still running; ask again once it ended");
    }
    u.unpublish(*existing);  // finished, on another account: replaced by the new request
  }
  const auto slot = u.admit(ip, limit);
  if (!slot) return refused(key, ip, true);
  u.insert(*slot, key, true, ip, now);
  UserRecord& r = u.records[*slot];
  if (!account_name.empty()) {
    detail::put(r.accounts[0].name, account_name);
    r.account_count = 1;
  }
  if (looks_like_url(key) && key.size() <= kMaxImageUrl) {
    detail::put(r.images[0], key);
    r.image_count = 1;
  }
  r.status = static_cast<std::int8_t>(UserStatus::IndexAccounts);
  u.next_step(*slot, now);  // straight to WAIT_IMAGE_REVERSE_SEARCH, queue 3
  return {UserError::None, true, u.snapshot(*slot)};
}

std::optional<UserRequestSnapshot> UserRequests::get(std::string_view input_url) {
  Users u(segment_);
  auto lock = u.lock();
  const auto slot = u.find(input_url, false);
  if (!slot) return std::nullopt;
  return u.snapshot(*slot);
}

std::optional<UserRequestSnapshot> UserRequests::get_direct(std::string_view key) {
  Users u(segment_);
  auto lock = u.lock();
  const auto slot = u.find(key, true);
  if (!slot) return std::nullopt;
  return u.snapshot(*slot);
}

std::optional<UserRequestSnapshot> UserRequests::get(RequestRef ref) {
  Users u(segment_);
  auto lock = u.lock();
  if (!u.resolve(ref)) return std::nullopt;
  return u.snapshot(ref.slot);
}

std::optional<UserRequestSnapshot> UserRequests::pop(UserStep step, std::chrono::milliseconds timeout) {
  const int q = static_cast<int>(step);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Users u(segment_);
  auto lock = u.lock();
  for (;;) {
    detail::Ring ring = u.queue(q);
    while (ring.size() > 0) {
      const RequestRef ref = detail::unpack(ring.front(), RequestRef::User);
      ring.pop();
      detail::crash_point(fault_injection::CrashPoint::UserPopAfterHead);
      UserRecord* r = u.resolve(ref);
      if (!r || r->queued != q || r->finished_ms != 0) continue;  // stale entry
      r->queued = 0;
      if (step == UserStep::LinkFinder) r->status = static_cast<std::int8_t>(UserStatus::LinkFinder);
      if (step == UserStep::ReverseSearch) r->status = static_cast<std::int8_t>(UserStatus::ReverseSearch);
      return u.snapshot(ref.slot);
    }
    if (!detail::wait_slice(segment_, u.s.user_ready[q - 1], u.s.user_mutex, deadline,
                            [this] { detail::repair_users(segment_); })) {
      return std::nullopt;
    }
  }
}

bool UserRequests::next_step(RequestRef ref, std::int64_t now) {
  Users u(segment_);
  auto lock = u.lock();
  return u.resolve(ref) && u.next_step(ref.slot, now);
}

bool UserRequests::requeue_index_accounts(RequestRef ref) {
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r || r->finished_ms != 0 || r->queued != 0 ||
      r->status != static_cast<std::int8_t>(UserStatus::IndexAccounts)) {
    return false;
  }
  u.push(ref.slot, 2);
  return true;
}

bool UserRequests::fail(RequestRef ref, UserError error, std::int64_t now) {
  Users u(segment_);
  auto lock = u.lock();
  return u.resolve(ref) && u.end(ref.slot, error, now);
}

bool UserRequests::set_link_finder_result(RequestRef ref, const std::vector<std::string>& image_urls,
                                          const std::vector<Account>& accounts, std::int64_t published_ms) {
  check_images(image_urls);
  if (accounts.size() > kMaxAccounts) {
    throw PipelineError("a user request keeps at most " + std::to_string(kMaxAccounts) + " accounts, got " +
                        std::to_string(accounts.size()));
  }
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const std::string where = "account " + std::to_string(i + 1);
    detail::check_platform(where + " platform", accounts[i].platform);
    detail::check_text(where + " name", accounts[i].name, kMaxAccountName);
    if (accounts[i].id.empty()) throw PipelineError(where + " (@" + accounts[i].name + ") has no ID");
    detail::check_text(where + " ID", accounts[i].id, kMaxAccountId);
  }
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r) return false;
  for (std::size_t i = 0; i < image_urls.size(); ++i) detail::put(r->images[i], image_urls[i]);
  r->image_count = static_cast<std::uint8_t>(image_urls.size());
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    detail::put(r->accounts[i].platform, accounts[i].platform);
    detail::put(r->accounts[i].name, accounts[i].name);
    detail::put(r->accounts[i].id, accounts[i].id);
  }
  r->account_count = static_cast<std::uint8_t>(accounts.size());
  r->published_ms = published_ms;
  return true;
}

bool UserRequests::set_image_urls(RequestRef ref, const std::vector<std::string>& image_urls) {
  check_images(image_urls);
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r) return false;
  for (std::size_t i = 0; i < image_urls.size(); ++i) detail::put(r->images[i], image_urls[i]);
  r->image_count = static_cast<std::uint8_t>(image_urls.size());
  return true;
}

bool UserRequests::set_scans(RequestRef ref, const std::vector<RequestRef>& scans, bool has_first_time_scan) {
  if (scans.size() > kMaxScans) {
    throw PipelineError("a user request follows at most " + std::to_string(kMaxScans) + " scans, got " +
                        std::to_string(scans.size()));
  }
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r) return false;
  for (std::size_t i = 0; i < scans.size(); ++i) r->scans[i] = scans[i];
  r->scan_count = static_cast<std::uint8_t>(scans.size());
  r->scans_launched = 1;
  r->has_first_time_scan = has_first_time_scan ? 1 : 0;
  return true;
}

std::optional<std::int64_t> UserRequests::touch_indexer(RequestRef ref, std::int64_t now) {
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r) return std::nullopt;
  const std::int64_t previous = r->last_seen_ms;
  r->last_seen_ms = now;
  return previous;
}

bool UserRequests::set_results(RequestRef ref, const std::vector<FoundPost>& results) {
  if (results.size() > kMaxResults) {
    throw PipelineError("a user request keeps at most " + std::to_string(kMaxResults) + " posts found, got " +
                        std::to_string(results.size()));
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& p = results[i];
    const std::string where = "result " + std::to_string(i + 1);
    detail::check_platform(where + " platform", p.platform);
    detail::check_text(where + " post ID", p.post_id, kMaxPostId);
    detail::check_text(where + " account ID", p.account_id, kMaxAccountId);
    if (p.image_position < 1 || p.image_position > kMaxImages || p.images_count < 1 || p.images_count > kMaxImages) {
      throw PipelineError(where + " has image " + std::to_string(p.image_position) + "/" +
                          std::to_string(p.images_count) + "; positions and counts are 1 to 4");
    }
    if (p.distance > 64) throw PipelineError(where + " has distance " + std::to_string(p.distance) + " (> 64 bits)");
  }
  Users u(segment_);
  auto lock = u.lock();
  UserRecord* r = u.resolve(ref);
  if (!r) return false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& x = r->results[i];
    detail::put(x.platform, results[i].platform);
    detail::put(x.post_id, results[i].post_id);
    detail::put(x.account_id, results[i].account_id);
    x.position = results[i].image_position;
    x.count = results[i].images_count;
    x.distance = results[i].distance;
  }
  r->result_count = static_cast<std::uint8_t>(results.size());
  return true;
}

std::size_t UserRequests::shed(const UserRetention& retention, std::int64_t now) {
  Users u(segment_);
  auto lock = u.lock();
  std::size_t shed = 0;
  for (std::uint32_t i = 0; i < u.capacity; ++i) {
    if (u.hashes[i] == 0) continue;
    const UserRecord& r = u.records[i];
    if (r.finished_ms == 0) continue;
    const auto error = static_cast<UserError>(r.error);
    std::int64_t keep = retention.other_problem_ms;
    if (error == UserError::None) {
      keep = retention.success_ms;
    } else if (error == UserError::NotAnUrl || error == UserError::NotAnArtworkPage ||
               error == UserError::UnsupportedWebsite ||
               (r.is_direct && error == UserError::ErrorDuringReverseSearch)) {
      keep = retention.short_problem_ms;
    }
    if (now - r.finished_ms > keep) {
      u.unpublish(i);
      ++shed;
    }
  }
  return shed;
}

std::uint32_t UserRequests::unfinished_of(std::string_view ip) {
  Users u(segment_);
  auto lock = u.lock();
  return u.ip_unfinished(ip);
}

std::vector<UserRequests::Census> UserRequests::census() {
  std::vector<Census> out;
  Users u(segment_);
  auto lock = u.lock();
  for (std::uint32_t i = 0; i < u.capacity; ++i) {
    if (u.hashes[i] == 0) continue;
    const UserRecord& r = u.records[i];
    const Census key{r.is_direct != 0, static_cast<UserStatus>(r.status), static_cast<UserError>(r.error), 0};
    auto it = std::find_if(out.begin(), out.end(), [&](const Census& c) {
      return c.is_direct == key.is_direct && c.status == key.status && c.error == key.error;
    });
    if (it == out.end()) it = out.insert(out.end(), key);
    ++it->count;
  }
  return out;
}

RobustMutex& UserRequests::step2_first_visit_mutex() noexcept { return segment_.pipelines().step2_mutex; }

}  // namespace aotf::shm
