#pragma once
// The pipelines section of the segment: user requests and their step 1/2/3 queues, scan
// requests and their A/B priority and normal queues, the step C queue with the "post being
// indexed" slot of every step C worker, the per-IP unfinished-request counters and the HTTP rate
// limiter.
//
// The raw structures (PipelineState and the records after it) live in shared memory and are
// shared by the threads of the host and by container processes. Plugins use the typed classes
// below (UserRequests, ScanRequests, StepCQueue, RateLimiter), each a cheap view constructed
// from a Segment&. Every operation takes the structure's RobustMutex; when a holder died (even
// by SIGKILL in the middle of an update) the next locker runs the structure's repair, which
// restores its invariants (see sdk/src/shm/README.md).
//
// Times are milliseconds since the Unix epoch; every operation that stamps or compares a time
// takes it as a parameter (defaulting to the wall clock) so callers and tests control it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"
#include "aotf/shm/robust_mutex.hpp"
#include "aotf/shm/segment.hpp"

namespace aotf::shm {

// --- bounds -----------------------------------------------------------------------------------
inline constexpr std::size_t kMaxInputUrl = 1024;     // user request key (URL, identifier or image URL)
inline constexpr std::size_t kMaxIpAddress = 63;      // IPv4/IPv6 text (with a zone), X-Forwarded-For
inline constexpr std::size_t kMaxImages = 4;          // image URLs of a request or a post
inline constexpr std::size_t kMaxImageUrl = 511;      // one image URL of a user request
inline constexpr std::size_t kMaxPostImagesBytes = 1020;  // all image URLs of one queued post together
inline constexpr std::size_t kMaxAccounts = 16;       // accounts of a user request
inline constexpr std::size_t kMaxScans = 16;          // scan requests followed by a user request
inline constexpr std::size_t kMaxResults = 64;        // posts found for a user request
inline constexpr std::size_t kMaxPlatform = 15;       // "x", "bluesky", ...: [a-z0-9_-]
inline constexpr std::size_t kMaxAccountName = 63;
inline constexpr std::size_t kMaxAccountId = 63;      // numeric X IDs, Bluesky DIDs
inline constexpr std::size_t kMaxPostId = 127;   // X ids (19 digits); Bluesky at:// URIs (about 70)
inline constexpr std::size_t kMaxCursor = 127;

[[nodiscard]] BOOST_SYMBOL_VISIBLE std::int64_t wall_ms() noexcept;

// Bad input to a pipeline operation (a field too long, an invalid platform name, ...). what()
// names the field, the value's length or the bad character, and the limit.
class BOOST_SYMBOL_VISIBLE PipelineError : public Error {
public:
  using Error::Error;
};

// A table or queue of the segment is full. Counted in the segment's refusals; what() names the
// table, its capacity and the runtime key that raises it.
class BOOST_SYMBOL_VISIBLE CapacityError : public PipelineError {
public:
  using PipelineError::PipelineError;
};

// --- user requests ----------------------------------------------------------------------------

// Reference 4.2. Changed only by next_step (+1) or forced to End by fail().
enum class UserStatus : std::int8_t {
  Null = -1,              // created, not yet queued (or refused: never stored)
  WaitLinkFinder = 0,
  LinkFinder = 1,
  WaitIndexAccounts = 2,
  IndexAccounts = 3,
  WaitReverseSearch = 4,
  ReverseSearch = 5,
  End = 6,
};
// "WAIT_LINK_FINDER", ... "END"; Null gives "" (the API shows JSON null).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(UserStatus status) noexcept;

// Reference 4.3 (the API's "error" field).
enum class UserError : std::uint8_t {
  None = 0,
  NoUrlField,
  UrlTooLong,
  NotAnUrl,
  UnsupportedWebsite,
  NotAnArtworkPage,
  NoTwitterAccountFound,
  NoValidTwitterAccountFound,
  BlockedByTwitterAccount,
  ProcessingError,
  ErrorDuringReverseSearch,
  QueryImageTooBig,
  YourIpHasMaxProcessingRequests,
  CannotGetImage,
  InvalidTwitterAccount,
  TwitterAccountNotIndexed,
  IdentifierMissing,
  ImageMissing,
  NoSuchRequest,
};
// The exact API string, e.g. "PROCESSING_ERROR"; None gives "" (JSON null).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(UserError error) noexcept;
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::optional<UserError> parse_user_error(std::string_view text) noexcept;

struct Account {
  std::string platform;  // [a-z0-9_-], 1..15 bytes
  std::string name;      // 0..63 bytes
  std::string id;        // 0..63 bytes; empty only for the named account of a direct request
};

struct FoundPost {
  std::string platform;
  std::string post_id;
  std::string account_id;
  std::uint8_t image_position = 1;  // 1..4
  std::uint8_t images_count = 1;    // 1..4
  std::uint8_t distance = 0;        // Hamming distance, 0..64
};

// A consistent copy of one user request (reference 4.1).
struct UserRequestSnapshot {
  RequestRef ref;
  std::string input_url;  // the key: URL, or for a direct request an identifier or an image URL
  std::string ip_address;  // empty for console requests
  bool is_direct = false;
  UserStatus status = UserStatus::Null;
  UserError error = UserError::None;
  std::vector<std::string> image_urls;  // best first
  std::vector<Account> accounts;
  std::int64_t published_ms = 0;  // publication time of the illustration, 0 when unknown
  bool has_first_time_scan = false;
  bool scans_launched = false;  // step 2's first visit happened (reference: scan_requests not none)
  std::vector<RequestRef> scans;
  std::vector<FoundPost> results;
  std::int64_t created_ms = 0;
  std::int64_t finished_ms = 0;  // 0 until END
  std::int64_t last_seen_indexer_ms = 0;
};

// Per-IP limit of reference 4.8, checked only when a request is created.
struct IpLimit {
  std::uint32_t max_unfinished = 10;            // MAX_PROCESSING_REQUESTS_PER_IP_ADDRESS
  std::vector<std::string> unlimited;           // UNLIMITED_IP_ADDRESSES
};

struct LaunchOutcome {
  // YourIpHasMaxProcessingRequests when refused (then nothing was stored and `request` is empty
  // with status Null); None otherwise.
  UserError refused = UserError::None;
  bool created = false;
  UserRequestSnapshot request;
};

// Shedding retentions (reference 4.8).
struct UserRetention {
  std::int64_t success_ms = 3 * 3600 * 1000;
  std::int64_t short_problem_ms = 10 * 60 * 1000;  // NOT_AN_URL, NOT_AN_ARTWORK_PAGE, UNSUPPORTED_WEBSITE,
                                                   // and ERROR_DURING_REVERSE_SEARCH of a direct request
  std::int64_t other_problem_ms = 3600 * 1000;
};

enum class UserStep : std::uint8_t { LinkFinder = 1, IndexAccounts = 2, ReverseSearch = 3 };

class BOOST_SYMBOL_VISIBLE UserRequests {
public:
  explicit UserRequests(Segment& segment) noexcept : segment_(segment) {}

  // Launch-or-get by exact input string. A new request is stored, counted (processing +1, its
  // IP +1) and pushed to queue 1 with status WAIT_LINK_FINDER; an existing one (in any state,
  // finished ones act as a cache until shed) is returned as it is. The per-IP limit applies only
  // when creating; an empty `ip` (console) is never limited. A full table throws CapacityError.
  [[nodiscard]] LaunchOutcome launch(std::string_view input_url, std::string_view ip, const IpLimit& limit,
                                     std::int64_t now = wall_ms());
  // Direct request (reference 4.7): keyed by an identifier or an image URL, optional account
  // name (whole database otherwise). New ones go straight to queue 3 (WAIT_IMAGE_REVERSE_SEARCH)
  // with image_urls = {key} when the key is an URL (callers set it otherwise). An existing one is
  // returned when its account matches (a whole-database request matches any account). With
  // another account, a finished one is replaced by a new request and an unfinished one throws
  // PipelineError ("... is still running; ask again once it ended").
  [[nodiscard]] LaunchOutcome launch_direct(std::string_view key, std::string_view account_name,
                                            std::string_view ip, const IpLimit& limit, std::int64_t now = wall_ms());

  [[nodiscard]] std::optional<UserRequestSnapshot> get(std::string_view input_url);
  [[nodiscard]] std::optional<UserRequestSnapshot> get_direct(std::string_view key);
  // Empty when the slot was shed or reused since `ref` was taken.
  [[nodiscard]] std::optional<UserRequestSnapshot> get(RequestRef ref);

  // Pops the oldest request of a step's queue, waiting up to `timeout` (and no longer once the
  // daemon stops). Step 1 and step 3 pops set LINK_FINDER / IMAGE_REVERSE_SEARCH atomically
  // with the pop; a step 2 pop leaves the status alone (first visit: next_step; later visits:
  // requeue_index_accounts).
  [[nodiscard]] std::optional<UserRequestSnapshot> pop(UserStep step, std::chrono::milliseconds timeout);

  // status + 1, pushing to queue 1/2/3 when entering 0/2/4; entering END has the END side
  // effects. False (nothing done) when the request ended already or `ref` is stale.
  bool next_step(RequestRef ref, std::int64_t now = wall_ms());
  // Puts a request being indexed (status INDEX_ACCOUNTS_TWEETS) back at the tail of queue 2.
  bool requeue_index_accounts(RequestRef ref);
  // Forces END with `error`. END side effects (finished time, processing −1, the IP's count −1)
  // happen once: true only for the call that ended it.
  bool fail(RequestRef ref, UserError error, std::int64_t now = wall_ms());

  // Step 1's results; validated (too many or too long → PipelineError naming the field).
  bool set_link_finder_result(RequestRef ref, const std::vector<std::string>& image_urls,
                              const std::vector<Account>& accounts, std::int64_t published_ms);
  bool set_image_urls(RequestRef ref, const std::vector<std::string>& image_urls);
  // Step 2's first visit: the scans it follows (may be empty) and whether one is a first scan.
  bool set_scans(RequestRef ref, const std::vector<RequestRef>& scans, bool has_first_time_scan);
  // Step 2: stamps last_seen_indexer and returns the previous value (0 if never seen).
  std::optional<std::int64_t> touch_indexer(RequestRef ref, std::int64_t now = wall_ms());
  // Step 3's results, in the order given (callers sort them).
  bool set_results(RequestRef ref, const std::vector<FoundPost>& results);

  // Frees finished requests older than their retention; unfinished ones are never shed.
  std::size_t shed(const UserRetention& retention, std::int64_t now = wall_ms());

  // Unfinished requests counted for `ip` (0 when none).
  [[nodiscard]] std::uint32_t unfinished_of(std::string_view ip);

  // The requests in memory counted by kind, status and error (one pass under the table's lock;
  // /metrics uses it). Only the combinations present are listed.
  struct Census {
    bool is_direct = false;
    UserStatus status = UserStatus::Null;
    UserError error = UserError::None;
    std::size_t count = 0;
  };
  [[nodiscard]] std::vector<Census> census();

  // Guards step 2's first visit (launching scans) across every step 2 worker of every process.
  [[nodiscard]] RobustMutex& step2_first_visit_mutex() noexcept;

private:
  Segment& segment_;
};

// --- scan requests ----------------------------------------------------------------------------

enum class Listing : std::uint8_t { Search = 0, Timeline = 1 };  // step A, step B

struct ScanSnapshot {
  RequestRef ref;
  std::string platform;
  std::string account_id;
  std::string account_name;
  bool is_priority = false;
  bool reset_search_cursor = false;
  bool unfound = false;
  bool blocklisted = false;
  bool has_failed = false;
  bool started_search = false;    // started_A
  bool started_timeline = false;  // started_B
  bool finished_search = false;   // finished_A (step C only)
  bool finished_timeline = false; // finished_B (step C only)
  std::int64_t created_ms = 0;
  std::int64_t finished_ms = 0;   // 0 until the scan ended
  [[nodiscard]] bool ended() const noexcept { return finished_ms != 0; }
};

struct ScanLaunch {
  bool created = false;
  ScanSnapshot scan;
};

// What step C may do after a cursor instruction.
struct ListingFinish {
  bool save_cursor = false;  // the scan has not failed: the cursor may be saved
  bool scan_ended = false;   // this call ended the scan (both listings indexed)
};

class BOOST_SYMBOL_VISIBLE ScanRequests {
public:
  explicit ScanRequests(Segment& segment) noexcept : segment_(segment) {}

  // Create-or-get by (platform, account id) (reference 5.2, without defect 16.1). A new scan is
  // counted and queued for A and B (priority or normal queues). For an existing unfinished scan,
  // priority promotes each listing that has not started from the normal to the priority queue;
  // reset sets reset_search_cursor if A has not started. A scan that ended less than
  // `recent_ms` ago is returned as it is; an older ended one is replaced by a new scan.
  [[nodiscard]] ScanLaunch launch(std::string_view platform, std::string_view account_id,
                                  std::string_view account_name, bool priority, bool reset_search_cursor,
                                  std::int64_t now = wall_ms(), std::int64_t recent_ms = 24LL * 3600 * 1000);

  [[nodiscard]] std::optional<ScanSnapshot> get(RequestRef ref);
  [[nodiscard]] std::optional<ScanSnapshot> get(std::string_view platform, std::string_view account_id);

  // Pops the next scan for step A / step B (priority queue first) and marks the listing started
  // in the same critical section. Waits up to `timeout` (less once the daemon stops).
  [[nodiscard]] std::optional<ScanSnapshot> pop(Listing listing, std::chrono::milliseconds timeout);

  // Ends the scan as failed / as an unfound account / as a blocklisted account (defect 16.4:
  // they all end). Removes it from the queues; the processing count drops once. False when it had
  // ended already or `ref` is stale.
  bool fail(RequestRef ref, std::int64_t now = wall_ms());
  bool mark_unfound(RequestRef ref, std::int64_t now = wall_ms());
  bool mark_blocklisted(RequestRef ref, std::int64_t now = wall_ms());

  // Step C, at a listing's cursor instruction: marks the listing indexed; when both are, the
  // scan ends (once). A stale ref gives {false, false}.
  ListingFinish finish_listing(RequestRef ref, Listing listing, std::int64_t now = wall_ms());
  // True when the scan ended, or was shed (a stale ref).
  [[nodiscard]] bool ended(RequestRef ref);

  // Frees scans that ended more than `retention_ms` ago.
  std::size_t shed(std::int64_t retention_ms = 24LL * 3600 * 1000, std::int64_t now = wall_ms());

private:
  Segment& segment_;
};

// --- step C queue -----------------------------------------------------------------------------

struct PostToIndex {
  std::string platform;
  std::string post_id;
  std::string account_id;
  std::vector<std::string> image_urls;  // 1..4, each ≤ 511 bytes, together ≤ 1020 bytes
  bool force_index = false;
  bool was_failed_post = false;
};

struct CursorInstruction {
  Listing listing = Listing::Search;
  std::string cursor;  // value to save (the current one when the listing was empty)
  RequestRef scan;
  std::string platform;
  std::string account_id;
  std::string account_name;
};

struct StepCItem {
  enum Kind : std::uint8_t { Post = 1, Cursor = 2 };
  Kind kind = Post;
  PostToIndex post;           // when kind == Post
  CursorInstruction cursor;   // when kind == Cursor
};

// The post a step C worker declared when it popped it.
struct IndexingPost {
  std::string platform;
  std::string post_id;
  std::string account_id;
};

struct StepCPop {
  std::optional<StepCItem> item;
  // On the first pop after a (re)start: the post this worker had declared and never cleared, i.e.
  // it crashed while indexing it. The caller puts it in the re-index table.
  std::optional<IndexingPost> crashed;
};

// One worker's indexing slot as seen at a moment (for end_request's wait).
struct IndexingEntry {
  std::string worker;
  std::uint64_t sequence = 0;  // changes at every declaration
  IndexingPost post;
};

class BOOST_SYMBOL_VISIBLE StepCQueue {
public:
  explicit StepCQueue(Segment& segment) noexcept : segment_(segment) {}

  // Pushes at the tail. When the queue is full, waits up to `timeout` for room, then throws
  // CapacityError (counted). A listing pushes all its posts before its cursor instruction.
  void push(const PostToIndex& post, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void push(const CursorInstruction& instruction, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Pushes a page of posts in order, taking the lock once per run of free room (a listing pushes
  // each page it reads this way). Every post is checked before any is pushed. When the queue
  // stays full past `timeout`, throws CapacityError; the posts before the refused one are queued.
  void push(const std::vector<PostToIndex>& posts, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Pops the oldest item and, in the same critical section, records a popped post in the
  // indexing slot of `worker` (a cursor instruction clears it). `first_time` = first pop since
  // this worker (re)started: see StepCPop::crashed. Waits up to `timeout`.
  [[nodiscard]] StepCPop pop_and_declare(std::string_view worker, bool first_time, std::chrono::milliseconds timeout);
  // The worker finished its post (committed or failed it).
  void clear(std::string_view worker);

  // Every worker currently declaring a post.
  [[nodiscard]] std::vector<IndexingEntry> indexing_snapshot();
  // True while `entry.worker` is still on the same post as in the snapshot and that post belongs
  // to (platform, account_id).
  [[nodiscard]] bool still_indexing(const IndexingEntry& entry, std::string_view platform,
                                    std::string_view account_id);
  // Waits until no worker is still on a post of (platform, account_id) it was on when called:
  // every post listed before is then committed. False on timeout or when the daemon stops (a
  // worker that died keeps its slot until it restarts and re-indexes the post: callers loop with
  // their own stop check rather than wait forever as the original did).
  // Indexing slots are keyed by worker name ("<procedure>_th<id>", stable across restarts) and
  // are never freed: their number is bounded by the step C workers configured.
  bool wait_for_account_posts(std::string_view platform, std::string_view account_id,
                              std::chrono::milliseconds timeout);

  [[nodiscard]] std::size_t size();

private:
  Segment& segment_;
};

// --- HTTP rate limiter ------------------------------------------------------------------------

class BOOST_SYMBOL_VISIBLE RateLimiter {
public:
  explicit RateLimiter(Segment& segment) noexcept : segment_(segment) {}
  // True (and remembers `now`) when more than `interval_ms` passed since the last accepted
  // request of `ip`; refusals do not move that time. The table holds at most 3/4 of its capacity
  // (ip_addresses); beyond, its oldest quarter is evicted at once, so a flood of distinct
  // addresses cannot deny service to the others. Finding an address is a hash probe.
  [[nodiscard]] bool allow(std::string_view ip, std::int64_t now = wall_ms(), std::int64_t interval_ms = 1000);
  // Forgets every address (maintenance, every 10 minutes).
  void clear();
  [[nodiscard]] std::size_t size();

private:
  Segment& segment_;
};

// --- counters for `stats` and `queues` -----------------------------------------------------------

struct PipelineCounts {
  std::size_t user_queue[3] = {0, 0, 0};  // steps 1, 2, 3
  std::size_t search_priority = 0, search_normal = 0, timeline_priority = 0, timeline_normal = 0;
  std::size_t step_c = 0;
  std::size_t processing_user = 0;   // unfinished user requests
  std::size_t processing_scan = 0;   // unfinished scans
  std::size_t user_in_memory = 0;    // normal user requests stored (finished ones included)
  std::size_t direct_in_memory = 0;  // direct requests stored
  std::size_t scan_in_memory = 0;
  std::size_t ip_counters = 0;       // addresses with unfinished requests
  std::size_t limiter_entries = 0;
  std::uint64_t refusals = 0;        // everything refused because full (whole segment)
};
[[nodiscard]] BOOST_SYMBOL_VISIBLE PipelineCounts pipeline_counts(Segment& segment);

// The `query` console command's text for one request: status number and name, error, each scan
// followed (name, ID, priority, listings started and indexed) or "none yet"/"none any more",
// finish time, accounts (status > 1) and posts found with their distances (at END).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string describe(const UserRequestSnapshot& request,
                                                        const std::vector<std::optional<ScanSnapshot>>& scans);

// --- raw layout (shared memory) ---------------------------------------------------------------
// Public so tests and the repair code can reach the locks; plugins use the classes above.

struct PipelineState {
  std::uint64_t magic;
  Capacities capacities;
  std::uint64_t user_hashes_offset, user_records_offset, user_queue_offset[3];
  std::uint64_t scan_hashes_offset, scan_records_offset, scan_queue_offset[4];
  std::uint64_t ip_hashes_offset, ip_records_offset;
  std::uint64_t limiter_hashes_offset, limiter_records_offset;
  std::uint64_t step_c_items_offset, indexing_offset;

  // User requests, their three queues and the per-IP counters (changed together, so one lock;
  // its repair recounts and rebuilds everything derivable from the records).
  RobustMutex user_mutex;
  SharedCondition user_ready[3];
  RobustMutex step2_mutex;
  std::uint64_t user_sequence;  // FIFO order of queue pushes (survives rebuilds)
  std::uint32_t user_queue_head[3], user_queue_tail[3];
  std::uint32_t user_count, direct_count, user_processing, ip_count;

  // Scan requests and their four queues (A priority, A normal, B priority, B normal).
  RobustMutex scan_mutex;
  SharedCondition scan_ready[2];
  std::uint64_t scan_sequence;
  std::uint32_t scan_queue_head[4], scan_queue_tail[4];
  std::uint32_t scan_count, scan_processing;

  // Step C queue and the indexing slots.
  RobustMutex step_c_mutex;
  SharedCondition step_c_not_empty, step_c_not_full;
  std::uint64_t step_c_head, step_c_tail;
  std::uint64_t indexing_sequence;

  // HTTP rate limiter.
  RobustMutex limiter_mutex;
  std::uint32_t limiter_count;
};

namespace fault_injection {
// Places where a test may have the calling process SIGKILL itself while it holds a lock, half way
// through an update, to prove the repair. Process-local; None disables.
enum class CrashPoint : std::uint32_t {
  None = 0,
  UserInsertBeforePublish,   // record written and IP counted, key not yet published
  UserPopAfterHead,          // queue head moved, record not yet updated
  UserEndBeforeCounts,       // finished time set, counters not yet decremented
  ScanPromoteMidMove,        // removed from the normal queue, not yet in the priority queue
  ScanPopAfterHead,          // queue head moved, started flag not yet set
  StepCPopAfterDeclare,      // indexing slot written, queue head not yet moved
  StepCPushBeforePublish,    // item written, tail not yet moved
  LimiterInsertBeforePublish,
};
BOOST_SYMBOL_VISIBLE void crash_at(CrashPoint point) noexcept;
}  // namespace fault_injection

}  // namespace aotf::shm
