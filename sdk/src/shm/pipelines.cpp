// Layout and construction of the pipelines section, the names of statuses and errors, the
// counters for `stats`/`queues` and the `query` text.
#include "aotf/shm/pipelines.hpp"

#include <array>
#include <ctime>
#include <new>

#include "pipeline_records.hpp"

namespace aotf::shm {

namespace {

constexpr std::size_t kAlign = 64;
std::size_t align_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

struct Offsets {
  std::uint64_t user_hashes, user_records, user_queue[3];
  std::uint64_t scan_hashes, scan_records, scan_queue[4];
  std::uint64_t ip_hashes, ip_records;
  std::uint64_t limiter_hashes, limiter_records;
  std::uint64_t step_c_items, indexing;
  std::uint64_t total;
};

Offsets offsets_for(const Capacities& c) {
  Offsets o{};
  std::size_t at = align_up(sizeof(PipelineState));
  auto take = [&at](std::size_t bytes) {
    const std::size_t here = at;
    at = align_up(at + bytes);
    return here;
  };
  o.user_hashes = take(sizeof(std::uint64_t) * c.user_requests);
  o.user_records = take(sizeof(detail::UserRecord) * c.user_requests);
  for (auto& q : o.user_queue) q = take(sizeof(std::uint64_t) * c.user_requests);
  o.scan_hashes = take(sizeof(std::uint64_t) * c.scan_requests);
  o.scan_records = take(sizeof(detail::ScanRecord) * c.scan_requests);
  for (auto& q : o.scan_queue) q = take(sizeof(std::uint64_t) * c.scan_requests);
  o.ip_hashes = take(sizeof(std::uint64_t) * c.ip_addresses);
  o.ip_records = take(sizeof(detail::IpRecord) * c.ip_addresses);
  o.limiter_hashes = take(sizeof(std::uint64_t) * c.ip_addresses);
  o.limiter_records = take(sizeof(detail::LimiterRecord) * c.ip_addresses);
  o.step_c_items = take(sizeof(detail::StepCRecord) * c.step_c_queue);
  o.indexing = take(sizeof(detail::IndexingRecord) * c.workers);
  o.total = at;
  return o;
}

std::atomic<std::uint32_t> g_crash_point{0};

}  // namespace

std::size_t pipeline_state_bytes(const Capacities& capacities) { return offsets_for(capacities).total; }

void construct_pipeline_state(void* at, const Capacities& capacities) {
  // The segment is zero-filled: every table is empty, every queue has head == tail == 0.
  auto* s = new (at) PipelineState{};
  const Offsets o = offsets_for(capacities);
  s->magic = detail::kPipelineMagic;
  s->capacities = capacities;
  s->user_hashes_offset = o.user_hashes;
  s->user_records_offset = o.user_records;
  for (int i = 0; i < 3; ++i) s->user_queue_offset[i] = o.user_queue[i];
  s->scan_hashes_offset = o.scan_hashes;
  s->scan_records_offset = o.scan_records;
  for (int i = 0; i < 4; ++i) s->scan_queue_offset[i] = o.scan_queue[i];
  s->ip_hashes_offset = o.ip_hashes;
  s->ip_records_offset = o.ip_records;
  s->limiter_hashes_offset = o.limiter_hashes;
  s->limiter_records_offset = o.limiter_records;
  s->step_c_items_offset = o.step_c_items;
  s->indexing_offset = o.indexing;
  s->user_mutex.init();
  for (auto& c : s->user_ready) c.init();
  s->step2_mutex.init();
  s->scan_mutex.init();
  for (auto& c : s->scan_ready) c.init();
  s->step_c_mutex.init();
  s->step_c_not_empty.init();
  s->step_c_not_full.init();
  s->limiter_mutex.init();
}

std::int64_t wall_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
constexpr std::array<std::string_view, 7> kStatusNames = {
    "WAIT_LINK_FINDER", "LINK_FINDER", "WAIT_INDEX_ACCOUNTS_TWEETS", "INDEX_ACCOUNTS_TWEETS",
    "WAIT_IMAGE_REVERSE_SEARCH", "IMAGE_REVERSE_SEARCH", "END"};
constexpr std::array<std::string_view, 19> kErrorNames = {
    "",
    "NO_URL_FIELD",
    "URL_TOO_LONG",
    "NOT_AN_URL",
    "UNSUPPORTED_WEBSITE",
    "NOT_AN_ARTWORK_PAGE",
    "NO_TWITTER_ACCOUNT_FOUND",
    "NO_VALID_TWITTER_ACCOUNT_FOUND",
    "BLOCKED_BY_TWITTER_ACCOUNT",
    "PROCESSING_ERROR",
    "ERROR_DURING_REVERSE_SEARCH",
    "QUERY_IMAGE_TOO_BIG",
    "YOUR_IP_HAS_MAX_PROCESSING_REQUESTS",
    "CANNOT_GET_IMAGE",
    "INVALID_TWITTER_ACCOUNT",
    "TWITTER_ACCOUNT_NOT_INDEXED",
    "IDENTIFIER_MISSING",
    "IMAGE_MISSING",
    "NO_SUCH_REQUEST"};
}  // namespace

std::string_view to_string(UserStatus status) noexcept {
  const int i = static_cast<int>(status);
  return i >= 0 && i < static_cast<int>(kStatusNames.size()) ? kStatusNames[static_cast<std::size_t>(i)] : "";
}

std::string_view to_string(UserError error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kErrorNames.size() ? kErrorNames[i] : "";
}

std::optional<UserError> parse_user_error(std::string_view text) noexcept {
  for (std::size_t i = 1; i < kErrorNames.size(); ++i) {
    if (kErrorNames[i] == text) return static_cast<UserError>(i);
  }
  return std::nullopt;
}

namespace fault_injection {
void crash_at(CrashPoint point) noexcept { g_crash_point.store(static_cast<std::uint32_t>(point)); }
}  // namespace fault_injection

namespace detail {

void crash_point(fault_injection::CrashPoint point) noexcept {
  if (g_crash_point.load(std::memory_order_relaxed) == static_cast<std::uint32_t>(point)) ::raise(SIGKILL);
}

void check_text(std::string_view what, std::string_view value, std::size_t max) {
  if (value.size() > max) {
    throw PipelineError(std::string(what) + " is " + std::to_string(value.size()) + " bytes long; at most " +
                        std::to_string(max) + " are kept");
  }
  if (value.find('\0') != std::string_view::npos) throw PipelineError(std::string(what) + " contains a NUL byte");
}

void check_platform(std::string_view what, std::string_view platform) {
  if (platform.empty()) throw PipelineError(std::string(what) + " is empty; a platform name such as \"x\" is needed");
  check_text(what, platform, kMaxPlatform);
  for (char c : platform) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      throw PipelineError(std::string(what) + " \"" + std::string(platform) +
                          "\" may only hold lowercase letters, digits, '_' and '-'");
    }
  }
}

void refuse_full(Segment& segment, const std::string& message) {
  segment.count_refusal();
  throw CapacityError(message);
}

}  // namespace detail

PipelineCounts pipeline_counts(Segment& segment) {
  PipelineCounts out;
  PipelineState& s = segment.pipelines();
  {
    RobustLock lock(s.user_mutex, [&] { detail::repair_users(segment); });
    for (int i = 0; i < 3; ++i) out.user_queue[i] = s.user_queue_tail[i] - s.user_queue_head[i];
    out.processing_user = s.user_processing;
    out.user_in_memory = s.user_count;
    out.direct_in_memory = s.direct_count;
    out.ip_counters = s.ip_count;
  }
  {
    RobustLock lock(s.scan_mutex, [&] { detail::repair_scans(segment); });
    out.search_priority = s.scan_queue_tail[0] - s.scan_queue_head[0];
    out.search_normal = s.scan_queue_tail[1] - s.scan_queue_head[1];
    out.timeline_priority = s.scan_queue_tail[2] - s.scan_queue_head[2];
    out.timeline_normal = s.scan_queue_tail[3] - s.scan_queue_head[3];
    out.processing_scan = s.scan_processing;
    out.scan_in_memory = s.scan_count;
  }
  out.step_c = StepCQueue(segment).size();
  out.limiter_entries = RateLimiter(segment).size();
  out.refusals = segment.header().refusals.load(std::memory_order_relaxed);
  return out;
}

namespace {
std::string utc_text(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}
const char* yes_no(bool b) { return b ? "yes" : "no"; }
}  // namespace

std::string describe(const UserRequestSnapshot& r, const std::vector<std::optional<ScanSnapshot>>& scans) {
  std::string out;
  out += "Request: " + r.input_url + (r.is_direct ? " (direct)" : "") + "\n";
  out += "Status: " + std::to_string(static_cast<int>(r.status)) + " " +
         (r.status == UserStatus::Null ? std::string("null") : std::string(to_string(r.status))) + "\n";
  out += "Error: " + (r.error == UserError::None ? std::string("none") : std::string(to_string(r.error))) + "\n";
  if (!r.scans_launched) {
    out += "Scans: none yet\n";
  } else if (r.scans.empty()) {
    out += "Scans: none any more\n";
  } else {
    out += "Scans:\n";
    for (std::size_t i = 0; i < r.scans.size(); ++i) {
      const auto& s = i < scans.size() ? scans[i] : std::nullopt;
      if (!s) {
        out += "  (no longer in memory)\n";
        continue;
      }
      out += "  @" + s->account_name + " (" + s->platform + " ID " + s->account_id + "): priority " +
             yes_no(s->is_priority) + ", search listing started " + yes_no(s->started_search) + " indexed " +
             yes_no(s->finished_search) + ", timeline listing started " + yes_no(s->started_timeline) +
             " indexed " + yes_no(s->finished_timeline) + (s->has_failed ? ", failed" : "") +
             (s->unfound ? ", account not found" : "") + (s->blocklisted ? ", blocklisted" : "") + "\n";
    }
  }
  out += "Finished: " + (r.finished_ms ? utc_text(r.finished_ms) : std::string("not yet")) + "\n";
  if (static_cast<int>(r.status) > 1) {
    out += "Accounts:\n";
    for (const auto& a : r.accounts) {
      if (a.platform.empty()) {
        // The account of a direct request, as typed ("x:name", "@name"); step 3 resolves it.
        out += "  " + a.name + " (as given; resolved by the search)\n";
      } else {
        out += "  @" + a.name + " (" + a.platform + " ID " + (a.id.empty() ? "None" : a.id) + ")\n";
      }
    }
  }
  if (r.status == UserStatus::End) {
    out += "Posts found: " + std::to_string(r.results.size()) + "\n";
    for (const auto& p : r.results) {
      out += "  " + p.platform + " post " + p.post_id + " of account " + p.account_id + ", image " +
             std::to_string(p.image_position) + "/" + std::to_string(p.images_count) + ", distance " +
             std::to_string(p.distance) + "\n";
    }
  }
  return out;
}

}  // namespace aotf::shm
