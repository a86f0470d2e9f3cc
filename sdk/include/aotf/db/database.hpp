#pragma once
// The aotfd database: accounts, their indexed posts with up to four image fingerprints each, and
// the posts waiting to be re-indexed. SQLite in WAL mode, one file per daemon
// (<data_dir>/aotfd.sqlite3), shared by every thread and every container process.
//
// Threading: a Database object is one SQLite connection and is NOT shared between threads. Each
// worker opens its own; several objects (in one process or in several) may write the same file
// at the same time. Writes take the write lock with BEGIN IMMEDIATE and retry while another
// writer holds it, up to the busy timeout, then throw BusyError.
//
// Dates are UTC ISO-8601 text, "YYYY-MM-DDTHH:MM:SSZ", so they sort as text.
// Identifiers (accounts and posts) are text on every platform: X ids are decimal strings,
// Bluesky ids are DIDs ("did:plc:...") and record keys.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aotf/error.hpp"
#include "aotf/image/fingerprint.hpp"

struct sqlite3;

namespace aotf::db {

// Any failure of the database: the message names the file and what was being done.
class BOOST_SYMBOL_VISIBLE DatabaseError : public Error {
public:
  using Error::Error;
};

// Another writer held the write lock for longer than the busy timeout.
class BOOST_SYMBOL_VISIBLE BusyError : public DatabaseError {
public:
  using DatabaseError::DatabaseError;
};

// The file was written by a newer aotfd (its schema version is above the one this code knows).
class BOOST_SYMBOL_VISIBLE SchemaTooNewError : public DatabaseError {
public:
  using DatabaseError::DatabaseError;
};

// The file was filled with the other fingerprint mode; mixing them would make matches unreliable.
class BOOST_SYMBOL_VISIBLE FingerprintModeError : public DatabaseError {
public:
  using DatabaseError::DatabaseError;
};

// 64-bit perceptual hash. Stored as 8 bytes big-endian (bit 0 = DCT DC term = last byte's LSB),
// the byte format of the original server, so its databases are read as they are.
using Fingerprint = std::uint64_t;

// The fingerprint engine's modes (aotf/image/fingerprint.hpp): a database records which one
// filled it.
using image::FingerprintMode;

// Hamming distance between two fingerprints.
[[nodiscard]] inline int distance(Fingerprint a, Fingerprint b) noexcept {
  return __builtin_popcountll(a ^ b);
}

// The original's match threshold: at most 6 differing bits.
inline constexpr int kDefaultThreshold = 6;

// The schema version this code writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 1;

struct Account {
  std::string platform;    // "x", "bluesky", ...
  std::string account_id;
  std::optional<std::string> name;               // last known screen name / handle
  std::optional<std::string> search_cursor;      // X: "YYYY-MM-DD" of the newest search result
  std::optional<std::string> search_saved_at;    // when the search cursor was last saved
  std::optional<std::string> cursor_reset_at;    // last search-cursor reset (row creation at first)
  std::optional<std::string> timeline_cursor;    // X: id of the newest timeline item
  std::optional<std::string> timeline_saved_at;  // when the timeline cursor was last saved
  std::optional<std::string> last_use;           // last reverse search on this account
  std::int64_t uses_count = 0;
};

// One image of a post. A post keeps up to 4, at positions 1..4. `name` is the file name or URL;
// `fingerprint` is empty when the image was lost or could not be fingerprinted (the name stays).
struct PostImage {
  std::optional<std::string> name;
  std::optional<Fingerprint> fingerprint;
};

struct Post {
  std::string platform;
  std::string post_id;
  std::string account_id;
  std::optional<std::string> published_at;  // UTC ISO-8601, when the platform says
  std::array<PostImage, 4> images;          // images[0] is position 1
};

// A post whose indexing failed and must be tried again.
struct RetryPost {
  std::string platform;
  std::string post_id;
  std::optional<std::string> account_id;           // empty: fetch the post from the platform first
  std::array<std::optional<std::string>, 4> image_urls;
  std::optional<std::string> last_retry_at;        // empty until a retry was recorded
  std::int64_t retries_count = 0;
};

// One image that matched a query fingerprint.
struct Match {
  std::string platform;
  std::string post_id;
  std::string account_id;
  std::string image_name;
  int position = 0;      // 1..4
  int images_count = 0;  // images stored for the post (positions with a name)
  Fingerprint fingerprint = 0;
  int distance = 0;
};

// Orders matches as the original: by distance, then images in the post, then post id (numeric ids
// compare as numbers, others as text).
[[nodiscard]] BOOST_SYMBOL_VISIBLE bool match_order(const Match& a, const Match& b) noexcept;

class BOOST_SYMBOL_VISIBLE Database {
public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  struct Options {
    // How long a write waits for another writer before BusyError. The daemon's default is 10 s.
    std::chrono::milliseconds busy_timeout{10'000};
    // The mode the caller fingerprints with. Opening a file filled with the other mode throws
    // FingerprintModeError; an empty file records this mode at its first post.
    FingerprintMode fingerprint_mode = FingerprintMode::Exact;
    // Source of "now" for every date written (tests replace it). Empty: the system clock.
    Clock clock;
  };

  // Opens (creating when absent) the database file, switches it to WAL, applies pending
  // migrations (each in one transaction) and checks the fingerprint mode.
  // Throws SchemaTooNewError, FingerprintModeError, or DatabaseError (cannot open, not SQLite).
  Database(const std::filesystem::path& file, Options options);
  explicit Database(const std::filesystem::path& file);
  // The daemon's database, as the host configured it (database.file, database.busy_timeout_ms,
  // fingerprint.mode): what every stage and console command opens, one per thread.
  [[nodiscard]] static Database of_daemon(const HostInfo& host) {
    return Database(host.database_file, Options{host.database_busy_timeout, image::fingerprint_mode(host), {}});
  }
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;

  // <data_dir>/aotfd.sqlite3
  [[nodiscard]] static std::filesystem::path default_file(const std::filesystem::path& data_dir);

  [[nodiscard]] const std::filesystem::path& file() const noexcept;
  [[nodiscard]] int schema_version();
  // The mode recorded in the file, empty while no post was written.
  [[nodiscard]] std::optional<FingerprintMode> recorded_fingerprint_mode();
  // Records this connection's mode now if the file has none yet (an import does so before its
  // first row); throws FingerprintModeError if the file holds the other one.
  void claim_fingerprint_mode();

  // Runs `work` inside one write transaction (BEGIN IMMEDIATE, retried while busy): every write
  // it makes is committed together, or none if it throws. Nested calls join the outer one.
  void write_transaction(const std::function<void()>& work);

  // ---- accounts -------------------------------------------------------------------------------
  // Saves a search cursor (empty = no cursor). Creates the row when absent with
  // cursor_reset_at = now; always sets search_saved_at = now. `name`, when given, replaces the
  // stored name.
  void save_search_cursor(std::string_view platform, std::string_view account_id,
                          const std::optional<std::string>& cursor,
                          const std::optional<std::string>& name = std::nullopt);
  // Same for the timeline cursor and timeline_saved_at.
  void save_timeline_cursor(std::string_view platform, std::string_view account_id,
                            const std::optional<std::string>& cursor,
                            const std::optional<std::string>& name = std::nullopt);
  // Clears the search cursor and sets cursor_reset_at = now. False when the account is unknown.
  bool reset_search_cursor(std::string_view platform, std::string_view account_id);
  // Sets cursor_reset_at to a given date (maintenance fills a missing one with the search date).
  bool set_cursor_reset_date(std::string_view platform, std::string_view account_id, std::string_view date);
  // A reverse search used this account: last_use = now, uses_count + 1. False when unknown.
  bool record_account_use(std::string_view platform, std::string_view account_id);
  // Inserts a complete row as given (importer); false and nothing changed when already present.
  bool insert_account(const Account& account);
  [[nodiscard]] std::optional<Account> account(std::string_view platform, std::string_view account_id);

  // Scheduling reads (empty platform = every platform).
  // By the older of the two cursor save dates, accounts with a missing date first.
  [[nodiscard]] std::vector<Account> accounts_by_update_date(std::string_view platform = {});
  // By cursor_reset_at, missing first.
  [[nodiscard]] std::vector<Account> accounts_by_cursor_reset_date(std::string_view platform = {});

  // ---- posts ----------------------------------------------------------------------------------
  // First write wins: false and nothing changed when the post is already stored.
  bool insert_post(const Post& post);
  // Forced re-index: deletes the stored post (if any) and inserts this one, in one transaction.
  void replace_post(const Post& post);
  [[nodiscard]] bool has_post(std::string_view platform, std::string_view post_id);
  [[nodiscard]] std::optional<Post> post(std::string_view platform, std::string_view post_id);
  // The post with this row id (the id for_each_fingerprint reports). Row ids are stable until
  // the post is replaced.
  [[nodiscard]] std::optional<Post> post_by_row_id(std::int64_t row_id);
  // The row id of a stored post (what for_each_fingerprint reports for it), or empty.
  [[nodiscard]] std::optional<std::int64_t> post_row_id(std::string_view platform, std::string_view post_id);

  // Streams every stored fingerprint: (post row id, position 1..4, fingerprint). Used to build
  // the in-memory Hamming index at start; nothing is buffered.
  void for_each_fingerprint(const std::function<void(std::int64_t row_id, int position, Fingerprint)>& visit);
  // The same for the posts whose row id is above `after_row_id`, in row id order. Row ids only
  // grow (a forced re-index gives the post a new one) and writers commit one after the other, so
  // a process that remembers the highest row id it saw keeps an in-memory index in step with
  // the posts other processes committed since.
  void for_each_fingerprint_after(std::int64_t after_row_id,
                                  const std::function<void(std::int64_t row_id, int position, Fingerprint)>& visit);

  // Per-account brute force, as the original: every non-empty fingerprint of the account's posts
  // within `threshold` bits of `query`, sorted by match_order.
  [[nodiscard]] std::vector<Match> search_account(std::string_view platform, std::string_view account_id,
                                                  Fingerprint query, int threshold = kDefaultThreshold);
  // The original's whole-database search: exact equality in SQL (distance 0), optionally limited
  // to one account. Sorted by match_order.
  [[nodiscard]] std::vector<Match> search_exact(Fingerprint query, std::string_view platform = {},
                                                std::string_view account_id = {});

  // ---- posts to re-index ----------------------------------------------------------------------
  // Records a failed post. New row: last_retry_at = now, retries_count = 0. Existing row:
  // last_retry_at = now, retries_count + 1 (the URLs stay those first recorded).
  void upsert_retry(const RetryPost& retry);
  // An indexer restarted after a crash in the middle of this post: records the id alone
  // (account and URLs unknown, no retry date). False and nothing changed when already present.
  bool rescue_post(std::string_view platform, std::string_view post_id);
  // The post was indexed at last. False when no such row.
  bool delete_retry(std::string_view platform, std::string_view post_id);
  // Inserts a complete row as given (importer); false when already present.
  bool insert_retry(const RetryPost& retry);
  [[nodiscard]] std::optional<RetryPost> retry(std::string_view platform, std::string_view post_id);
  // By last_retry_at, missing first.
  [[nodiscard]] std::vector<RetryPost> retries_by_date(std::string_view platform = {});

  // ---- stats ----------------------------------------------------------------------------------
  [[nodiscard]] std::int64_t count_posts(std::string_view platform = {});
  [[nodiscard]] std::int64_t count_accounts(std::string_view platform = {});
  [[nodiscard]] std::int64_t count_retries(std::string_view platform = {});

  // The current time as stored: "YYYY-MM-DDTHH:MM:SSZ".
  [[nodiscard]] std::string now_text() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Formats a time point as stored ("YYYY-MM-DDTHH:MM:SSZ", UTC, seconds).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace aotf::db
