#include "aotf/db/database.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <thread>

#include "schema.hpp"
#include "sqlite.hpp"

namespace aotf::db {

namespace {

using sqlite::Statement;
using sqlite::Use;

constexpr const char* kModeKey = "fingerprint_mode";

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric ids compare as numbers (without overflow: shorter is smaller once leading zeros are
// gone), other ids as text.
bool id_less(std::string_view a, std::string_view b) noexcept {
  if (all_digits(a) && all_digits(b)) {
    auto strip = [](std::string_view s) {
      const auto first = s.find_first_not_of('0');
      return first == std::string_view::npos ? std::string_view("0") : s.substr(first);
    };
    a = strip(a);
    b = strip(b);
    if (a.size() != b.size()) return a.size() < b.size();
  }
  return a < b;
}

}  // namespace


bool match_order(const Match& a, const Match& b) noexcept {
  if (a.distance != b.distance) return a.distance < b.distance;
  if (a.images_count != b.images_count) return a.images_count < b.images_count;
  if (a.post_id != b.post_id) return id_less(a.post_id, b.post_id);
  if (a.platform != b.platform) return a.platform < b.platform;
  return a.position < b.position;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer, n);
}

struct Database::Impl {
  std::filesystem::path file;
  std::string where;  // the file name, for messages
  Options options;
  sqlite::ConnectionPtr connection;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements;
  int transaction_depth = 0;
  bool mode_recorded = false;

  sqlite3* db() const noexcept { return connection.get(); }

  Statement& statement(std::string_view sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
      it = statements.emplace(std::string(sql), std::make_unique<Statement>(db(), sql, where)).first;
    }
    return *it->second;
  }

  std::string now() const {
    return format_utc(options.clock ? options.clock() : std::chrono::system_clock::now());
  }

  // BEGIN IMMEDIATE takes the write lock at once, so a transaction never has to upgrade from
  // reader to writer (which SQLite cannot wait for). The busy handler waits up to busy_timeout;
  // SQLITE_BUSY can still come back without waiting (WAL recovery by another connection), so we
  // retry until the same deadline.
  void begin_immediate() {
    const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
    for (int attempt = 0;; ++attempt) {
      const int rc = sqlite3_exec(db(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      const int primary = rc & 0xff;
      if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2 + attempt, 50)));
        continue;
      }
      sqlite::fail(db(), rc, where, "starting a write transaction");
    }
  }

  void commit() {
    const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
    for (int attempt = 0;; ++attempt) {
      const int rc = sqlite3_exec(db(), "COMMIT", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      const int primary = rc & 0xff;
      if (primary == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2 + attempt, 50)));
        continue;
      }
      sqlite3_exec(db(), "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite::fail(db(), rc, where, "committing");
    }
  }

  void transaction(const std::function<void()>& work) {
    if (transaction_depth > 0) {
      work();
      return;
    }
    begin_immediate();
    transaction_depth = 1;
    try {
      work();
    } catch (...) {
      transaction_depth = 0;
      sqlite3_exec(db(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    transaction_depth = 0;
    commit();
  }

  int user_version() {
    Use st(statement("PRAGMA user_version"));
    st->step();
    return static_cast<int>(st->integer(0));
  }

  void refuse_newer(int version) const {
    if (version > kSchemaVersion) {
      throw SchemaTooNewError(where + " has schema version " + std::to_string(version) +
                              ", but this aotfd knows versions up to " + std::to_string(kSchemaVersion) +
                              "; it was written by a newer aotfd: run that version, or point data_dir at another "
                              "folder");
    }
  }

  void migrate() {
    refuse_newer(user_version());
    for (;;) {
      bool done = false;
      transaction([&] {
        const int version = user_version();  // again: another process may have migrated meanwhile
        refuse_newer(version);
        if (version == kSchemaVersion) {
          done = true;
          return;
        }
        sqlite::exec(db(), schema::kMigrations[static_cast<std::size_t>(version)], where);
        sqlite::exec(db(), ("PRAGMA user_version = " + std::to_string(version + 1)).c_str(), where);
      });
      if (done) return;
    }
  }

  std::optional<FingerprintMode> recorded_mode() {
    Use st(statement("SELECT value FROM meta WHERE key = ?1"));
    st->bind(1, std::string_view(kModeKey));
    if (!st->step()) return std::nullopt;
    const std::string value = st->text(0);
    const auto mode = image::parse_fingerprint_mode(value);
    if (!mode) throw DatabaseError(where + ": meta records an unknown fingerprint mode \"" + value + "\"");
    return mode;
  }

  void check_mode(FingerprintMode recorded) const {
    if (recorded == options.fingerprint_mode) return;
    const std::string_view other = to_string(recorded);
    const std::string_view mine = to_string(options.fingerprint_mode);
    throw FingerprintModeError(where + " was filled with " + std::string(other) +
                               " fingerprints; this aotfd is configured with fingerprint.mode = \"" +
                               std::string(mine) + "\"; set fingerprint.mode = \"" + std::string(other) +
                               "\", or point data_dir at another folder to start a new database");
  }

  // The first writer of a post records its mode; later writers of the other mode are refused.
  void ensure_mode_recorded() {
    if (mode_recorded) return;
    {
      Use st(statement("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING"));
      st->bind(1, std::string_view(kModeKey)).bind(2, to_string(options.fingerprint_mode));
      st->step();
    }
    check_mode(*recorded_mode());
    mode_recorded = true;
  }

  void open() {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    connection.reset(raw);
    if (rc != SQLITE_OK) {
      throw DatabaseError("cannot open the database " + where + ": " +
                          (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db(), 1);
    sqlite3_busy_timeout(db(), static_cast<int>(options.busy_timeout.count()));

    // Reading the schema tells a non-SQLite file apart, and a newer file is refused, before
    // anything is written.
    sqlite::exec(db(), "SELECT count(*) FROM sqlite_schema", where);
    refuse_newer(user_version());

    // Switching to WAL needs a moment alone with the file; retry while another opener has it.
    const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
    for (int attempt = 0;; ++attempt) {
      try {
        Statement wal(db(), "PRAGMA journal_mode = WAL", where);
        if (wal.step() && wal.text(0) != "wal") {
          throw DatabaseError(where + ": cannot switch to WAL mode (journal mode stays \"" + wal.text(0) +
                              "\"); is the data folder on a network file system?");
        }
        break;
      } catch (const BusyError&) {
        if (std::chrono::steady_clock::now() >= deadline) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2 + attempt, 50)));
      }
    }
    sqlite::exec(db(), "PRAGMA synchronous = NORMAL", where);
    // Posts are stored before their account row exists (the row comes with the first cursor
    // save, after every listed post is committed), so there are no foreign keys.
    sqlite::exec(db(), "PRAGMA foreign_keys = OFF", where);
    migrate();
    if (auto recorded = recorded_mode()) {
      check_mode(*recorded);
      mode_recorded = true;
    }
  }

  static Account read_account(Statement& st) {
    Account a;
    a.platform = st.text(0);
    a.account_id = st.text(1);
    a.name = st.optional_text(2);
    a.search_cursor = st.optional_text(3);
    a.search_saved_at = st.optional_text(4);
    a.cursor_reset_at = st.optional_text(5);
    a.timeline_cursor = st.optional_text(6);
    a.timeline_saved_at = st.optional_text(7);
    a.last_use = st.optional_text(8);
    a.uses_count = st.integer(9);
    return a;
  }

  // Columns: platform, post_id, account_id, published_at, then name/fingerprint × 4.
  static Post read_post(Statement& st, int first = 0) {
    Post p;
    p.platform = st.text(first);
    p.post_id = st.text(first + 1);
    p.account_id = st.text(first + 2);
    p.published_at = st.optional_text(first + 3);
    for (int k = 0; k < 4; ++k) {
      p.images[static_cast<std::size_t>(k)].name = st.optional_text(first + 4 + 2 * k);
      p.images[static_cast<std::size_t>(k)].fingerprint = st.fingerprint(first + 5 + 2 * k);
    }
    return p;
  }

  static RetryPost read_retry(Statement& st) {
    RetryPost r;
    r.platform = st.text(0);
    r.post_id = st.text(1);
    r.account_id = st.optional_text(2);
    for (int k = 0; k < 4; ++k) r.image_urls[static_cast<std::size_t>(k)] = st.optional_text(3 + k);
    r.last_retry_at = st.optional_text(7);
    r.retries_count = st.integer(8);
    return r;
  }

  bool insert_post_row(const Post& p) {
    Use st(statement(
        "INSERT INTO posts (platform, post_id, account_id, published_at, image_1_name, image_1_fingerprint, "
        "image_2_name, image_2_fingerprint, image_3_name, image_3_fingerprint, image_4_name, image_4_fingerprint) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (platform, post_id) DO NOTHING"));
    st->bind(1, std::string_view(p.platform)).bind(2, std::string_view(p.post_id));
    st->bind(3, std::string_view(p.account_id)).bind(4, p.published_at);
    for (int k = 0; k < 4; ++k) {
      st->bind(5 + 2 * k, p.images[static_cast<std::size_t>(k)].name);
      st->bind_fingerprint(6 + 2 * k, p.images[static_cast<std::size_t>(k)].fingerprint);
    }
    st->step();
    return sqlite3_changes(db()) == 1;
  }

  void check_post(const Post& p) const {
    if (p.platform.empty() || p.post_id.empty() || p.account_id.empty()) {
      throw Error(where + ": a post needs a platform, a post id and an account id (got platform \"" + p.platform +
                  "\", post \"" + p.post_id + "\", account \"" + p.account_id + "\")");
    }
  }

  std::int64_t count(const char* all_sql, const char* platform_sql, std::string_view platform) {
    Use st(statement(platform.empty() ? all_sql : platform_sql));
    if (!platform.empty()) st->bind(1, platform);
    st->step();
    return st->integer(0);
  }

  void save_cursor(bool search, std::string_view platform, std::string_view account_id,
                   const std::optional<std::string>& cursor, const std::optional<std::string>& name) {
    const char* sql = search
        ? "INSERT INTO accounts (platform, account_id, name, search_cursor, search_saved_at, cursor_reset_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (platform, account_id) DO UPDATE SET "
          "search_cursor = excluded.search_cursor, search_saved_at = excluded.search_saved_at, "
          "name = coalesce(excluded.name, name)"
        : "INSERT INTO accounts (platform, account_id, name, timeline_cursor, timeline_saved_at, cursor_reset_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (platform, account_id) DO UPDATE SET "
          "timeline_cursor = excluded.timeline_cursor, timeline_saved_at = excluded.timeline_saved_at, "
          "name = coalesce(excluded.name, name)";
    transaction([&] {
      Use st(statement(sql));
      st->bind(1, platform).bind(2, account_id).bind(3, name).bind(4, cursor).bind(5, std::string_view(now()));
      st->step();
    });
  }

  // Reads the rows of a post query (AOTF_POST_COLUMNS) and keeps the images `accept` takes.
  // Fingerprints are compared before anything else is read: most rows match nothing, and
  // building their strings would cost more than the comparison.
  std::vector<Match> collect(Statement& st, const std::function<std::optional<int>(Fingerprint)>& accept) {
    std::vector<Match> matches;
    while (st.step()) {
      std::array<std::optional<int>, 4> hit;
      std::array<std::optional<Fingerprint>, 4> fingerprints;
      bool any = false;
      for (int k = 0; k < 4; ++k) {
        const auto i = static_cast<std::size_t>(k);
        fingerprints[i] = st.fingerprint(5 + 2 * k);
        if (fingerprints[i]) hit[i] = accept(*fingerprints[i]);
        any = any || hit[i].has_value();
      }
      if (!any) continue;
      const Post p = read_post(st);
      int stored = 0;
      for (const auto& image : p.images) stored += (image.name || image.fingerprint) ? 1 : 0;
      for (int k = 3; k >= 0; --k) {  // positions 4 → 1, as the original
        const auto i = static_cast<std::size_t>(k);
        if (!hit[i]) continue;
        matches.push_back(Match{p.platform, p.post_id, p.account_id, p.images[i].name.value_or(""), k + 1, stored,
                                *fingerprints[i], *hit[i]});
      }
    }
    std::sort(matches.begin(), matches.end(), match_order);
    return matches;
  }
};

Database::Database(const std::filesystem::path& file, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->file = file;
  impl_->where = file.string();
  impl_->options = std::move(options);
  impl_->open();
}

Database::Database(const std::filesystem::path& file) : Database(file, Options{}) {}
Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

std::filesystem::path Database::default_file(const std::filesystem::path& data_dir) {
  return data_dir / "aotfd.sqlite3";
}

const std::filesystem::path& Database::file() const noexcept { return impl_->file; }

int Database::schema_version() { return impl_->user_version(); }

std::optional<FingerprintMode> Database::recorded_fingerprint_mode() { return impl_->recorded_mode(); }

void Database::claim_fingerprint_mode() {
  impl_->transaction([&] { impl_->ensure_mode_recorded(); });
}

void Database::write_transaction(const std::function<void()>& work) { impl_->transaction(work); }

std::string Database::now_text() const { return impl_->now(); }

// ---- accounts ---------------------------------------------------------------------------------

void Database::save_search_cursor(std::string_view platform, std::string_view account_id,
                                  const std::optional<std::string>& cursor, const std::optional<std::string>& name) {
  impl_->save_cursor(true, platform, account_id, cursor, name);
}

void Database::save_timeline_cursor(std::string_view platform, std::string_view account_id,
                                    const std::optional<std::string>& cursor, const std::optional<std::string>& name) {
  impl_->save_cursor(false, platform, account_id, cursor, name);
}

bool Database::reset_search_cursor(std::string_view platform, std::string_view account_id) {
  bool changed = false;
  impl_->transaction([&] {
    Use st(impl_->statement("UPDATE accounts SET search_cursor = NULL, cursor_reset_at = ?3 "
                            "WHERE platform = ?1 AND account_id = ?2"));
    st->bind(1, platform).bind(2, account_id).bind(3, std::string_view(impl_->now()));
    st->step();
    changed = sqlite3_changes(impl_->db()) == 1;
  });
  return changed;
}

bool Database::set_cursor_reset_date(std::string_view platform, std::string_view account_id, std::string_view date) {
  bool changed = false;
  impl_->transaction([&] {
    Use st(impl_->statement("UPDATE accounts SET cursor_reset_at = ?3 WHERE platform = ?1 AND account_id = ?2"));
    st->bind(1, platform).bind(2, account_id).bind(3, date);
    st->step();
    changed = sqlite3_changes(impl_->db()) == 1;
  });
  return changed;
}

bool Database::record_account_use(std::string_view platform, std::string_view account_id) {
  bool changed = false;
  impl_->transaction([&] {
    Use st(impl_->statement("UPDATE accounts SET last_use = ?3, uses_count = uses_count + 1 "
                            "WHERE platform = ?1 AND account_id = ?2"));
    st->bind(1, platform).bind(2, account_id).bind(3, std::string_view(impl_->now()));
    st->step();
    changed = sqlite3_changes(impl_->db()) == 1;
  });
  return changed;
}

bool Database::insert_account(const Account& a) {
  bool inserted = false;
  impl_->transaction([&] {
    Use st(impl_->statement(
        "INSERT INTO accounts (platform, account_id, name, search_cursor, search_saved_at, cursor_reset_at, "
        "timeline_cursor, timeline_saved_at, last_use, uses_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (platform, account_id) DO NOTHING"));
    st->bind(1, std::string_view(a.platform)).bind(2, std::string_view(a.account_id)).bind(3, a.name);
    st->bind(4, a.search_cursor).bind(5, a.search_saved_at).bind(6, a.cursor_reset_at);
    st->bind(7, a.timeline_cursor).bind(8, a.timeline_saved_at).bind(9, a.last_use).bind(10, a.uses_count);
    st->step();
    inserted = sqlite3_changes(impl_->db()) == 1;
  });
  return inserted;
}

#define AOTF_ACCOUNT_COLUMNS                                                                              \
  "platform, account_id, name, search_cursor, search_saved_at, cursor_reset_at, timeline_cursor, " \
  "timeline_saved_at, last_use, uses_count"

std::optional<Account> Database::account(std::string_view platform, std::string_view account_id) {
  Use st(impl_->statement("SELECT " AOTF_ACCOUNT_COLUMNS " FROM accounts WHERE platform = ?1 AND account_id = ?2"));
  st->bind(1, platform).bind(2, account_id);
  if (!st->step()) return std::nullopt;
  return Impl::read_account(*st);
}

std::vector<Account> Database::accounts_by_update_date(std::string_view platform) {
  // min() of SQLite returns NULL when either date is NULL, and NULL sorts first: an account with
  // a listing never saved comes before every other, as the original's LEAST() ordering.
  Use st(impl_->statement("SELECT " AOTF_ACCOUNT_COLUMNS " FROM accounts WHERE ?1 IS NULL OR platform = ?1 "
                          "ORDER BY min(search_saved_at, timeline_saved_at), platform, account_id"));
  if (!platform.empty()) st->bind(1, platform);
  std::vector<Account> out;
  while (st->step()) out.push_back(Impl::read_account(*st));
  return out;
}

std::vector<Account> Database::accounts_by_cursor_reset_date(std::string_view platform) {
  Use st(impl_->statement("SELECT " AOTF_ACCOUNT_COLUMNS " FROM accounts WHERE ?1 IS NULL OR platform = ?1 "
                          "ORDER BY cursor_reset_at, platform, account_id"));
  if (!platform.empty()) st->bind(1, platform);
  std::vector<Account> out;
  while (st->step()) out.push_back(Impl::read_account(*st));
  return out;
}

// ---- posts ------------------------------------------------------------------------------------

#define AOTF_POST_COLUMNS                                                                               \
  "platform, post_id, account_id, published_at, image_1_name, image_1_fingerprint, image_2_name, "    \
  "image_2_fingerprint, image_3_name, image_3_fingerprint, image_4_name, image_4_fingerprint"

bool Database::insert_post(const Post& post) {
  impl_->check_post(post);
  bool inserted = false;
  impl_->transaction([&] {
    impl_->ensure_mode_recorded();
    inserted = impl_->insert_post_row(post);
  });
  return inserted;
}

void Database::replace_post(const Post& post) {
  impl_->check_post(post);
  impl_->transaction([&] {
    impl_->ensure_mode_recorded();
    {
      Use st(impl_->statement("DELETE FROM posts WHERE platform = ?1 AND post_id = ?2"));
      st->bind(1, std::string_view(post.platform)).bind(2, std::string_view(post.post_id));
      st->step();
    }
    impl_->insert_post_row(post);
  });
}

bool Database::has_post(std::string_view platform, std::string_view post_id) {
  Use st(impl_->statement("SELECT 1 FROM posts WHERE platform = ?1 AND post_id = ?2"));
  st->bind(1, platform).bind(2, post_id);
  return st->step();
}

std::optional<Post> Database::post(std::string_view platform, std::string_view post_id) {
  Use st(impl_->statement("SELECT " AOTF_POST_COLUMNS " FROM posts WHERE platform = ?1 AND post_id = ?2"));
  st->bind(1, platform).bind(2, post_id);
  if (!st->step()) return std::nullopt;
  return Impl::read_post(*st);
}

std::optional<Post> Database::post_by_row_id(std::int64_t row_id) {
  Use st(impl_->statement("SELECT " AOTF_POST_COLUMNS " FROM posts WHERE id = ?1"));
  st->bind(1, row_id);
  if (!st->step()) return std::nullopt;
  return Impl::read_post(*st);
}

std::optional<std::int64_t> Database::post_row_id(std::string_view platform, std::string_view post_id) {
  Use st(impl_->statement("SELECT id FROM posts WHERE platform = ?1 AND post_id = ?2"));
  st->bind(1, platform);
  st->bind(2, post_id);
  if (!st->step()) return std::nullopt;
  return st->integer(0);
}

void Database::for_each_fingerprint(const std::function<void(std::int64_t, int, Fingerprint)>& visit) {
  for_each_fingerprint_after(-1, visit);
}

void Database::for_each_fingerprint_after(std::int64_t after_row_id,
                                          const std::function<void(std::int64_t, int, Fingerprint)>& visit) {
  // A statement of its own (not the cache): the visitor may use this Database meanwhile.
  Statement st(impl_->db(),
               "SELECT id, image_1_fingerprint, image_2_fingerprint, image_3_fingerprint, image_4_fingerprint "
               "FROM posts WHERE id > ?1 ORDER BY id",
               impl_->where);
  st.bind(1, after_row_id);
  while (st.step()) {
    const std::int64_t id = st.integer(0);
    for (int k = 0; k < 4; ++k) {
      if (auto f = st.fingerprint(1 + k)) visit(id, k + 1, *f);
    }
  }
}

std::vector<Match> Database::search_account(std::string_view platform, std::string_view account_id,
                                            Fingerprint query, int threshold) {
  Use st(impl_->statement("SELECT " AOTF_POST_COLUMNS " FROM posts WHERE platform = ?1 AND account_id = ?2"));
  st->bind(1, platform).bind(2, account_id);
  return impl_->collect(*st, [&](Fingerprint f) -> std::optional<int> {
    const int d = distance(f, query);
    return d <= threshold ? std::optional<int>(d) : std::nullopt;
  });
}

std::vector<Match> Database::search_exact(Fingerprint query, std::string_view platform, std::string_view account_id) {
  Use st(impl_->statement(
      "SELECT " AOTF_POST_COLUMNS " FROM posts WHERE (image_1_fingerprint = ?1 OR image_2_fingerprint = ?1 OR "
      "image_3_fingerprint = ?1 OR image_4_fingerprint = ?1) AND (?2 IS NULL OR platform = ?2) "
      "AND (?3 IS NULL OR account_id = ?3)"));
  st->bind_fingerprint(1, query);
  if (!platform.empty()) st->bind(2, platform);
  if (!account_id.empty()) st->bind(3, account_id);
  return impl_->collect(*st, [&](Fingerprint f) -> std::optional<int> {
    return f == query ? std::optional<int>(0) : std::nullopt;
  });
}

// ---- posts to re-index ------------------------------------------------------------------------

void Database::upsert_retry(const RetryPost& r) {
  impl_->transaction([&] {
    Use st(impl_->statement(
        "INSERT INTO reindex_posts (platform, post_id, account_id, image_1_url, image_2_url, image_3_url, "
        "image_4_url, last_retry_at, retries_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0) "
        "ON CONFLICT (platform, post_id) DO UPDATE SET last_retry_at = excluded.last_retry_at, "
        "retries_count = retries_count + 1"));
    st->bind(1, std::string_view(r.platform)).bind(2, std::string_view(r.post_id)).bind(3, r.account_id);
    for (int k = 0; k < 4; ++k) st->bind(4 + k, r.image_urls[static_cast<std::size_t>(k)]);
    st->bind(8, std::string_view(impl_->now()));
    st->step();
  });
}

bool Database::rescue_post(std::string_view platform, std::string_view post_id) {
  bool inserted = false;
  impl_->transaction([&] {
    Use st(impl_->statement("INSERT INTO reindex_posts (platform, post_id) VALUES (?1, ?2) "
                            "ON CONFLICT (platform, post_id) DO NOTHING"));
    st->bind(1, platform).bind(2, post_id);
    st->step();
    inserted = sqlite3_changes(impl_->db()) == 1;
  });
  return inserted;
}

bool Database::delete_retry(std::string_view platform, std::string_view post_id) {
  bool deleted = false;
  impl_->transaction([&] {
    Use st(impl_->statement("DELETE FROM reindex_posts WHERE platform = ?1 AND post_id = ?2"));
    st->bind(1, platform).bind(2, post_id);
    st->step();
    deleted = sqlite3_changes(impl_->db()) == 1;
  });
  return deleted;
}

bool Database::insert_retry(const RetryPost& r) {
  bool inserted = false;
  impl_->transaction([&] {
    Use st(impl_->statement(
        "INSERT INTO reindex_posts (platform, post_id, account_id, image_1_url, image_2_url, image_3_url, "
        "image_4_url, last_retry_at, retries_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT (platform, post_id) DO NOTHING"));
    st->bind(1, std::string_view(r.platform)).bind(2, std::string_view(r.post_id)).bind(3, r.account_id);
    for (int k = 0; k < 4; ++k) st->bind(4 + k, r.image_urls[static_cast<std::size_t>(k)]);
    st->bind(8, r.last_retry_at).bind(9, r.retries_count);
    st->step();
    inserted = sqlite3_changes(impl_->db()) == 1;
  });
  return inserted;
}

#define AOTF_RETRY_COLUMNS \
  "platform, post_id, account_id, image_1_url, image_2_url, image_3_url, image_4_url, last_retry_at, retries_count"

std::optional<RetryPost> Database::retry(std::string_view platform, std::string_view post_id) {
  Use st(impl_->statement("SELECT " AOTF_RETRY_COLUMNS " FROM reindex_posts WHERE platform = ?1 AND post_id = ?2"));
  st->bind(1, platform).bind(2, post_id);
  if (!st->step()) return std::nullopt;
  return Impl::read_retry(*st);
}

std::vector<RetryPost> Database::retries_by_date(std::string_view platform) {
  Use st(impl_->statement("SELECT " AOTF_RETRY_COLUMNS " FROM reindex_posts WHERE ?1 IS NULL OR platform = ?1 "
                          "ORDER BY last_retry_at, platform, post_id"));
  if (!platform.empty()) st->bind(1, platform);
  std::vector<RetryPost> out;
  while (st->step()) out.push_back(Impl::read_retry(*st));
  return out;
}

// ---- stats ------------------------------------------------------------------------------------

std::int64_t Database::count_posts(std::string_view platform) {
  return impl_->count("SELECT count(*) FROM posts", "SELECT count(*) FROM posts WHERE platform = ?1", platform);
}

std::int64_t Database::count_accounts(std::string_view platform) {
  return impl_->count("SELECT count(*) FROM accounts", "SELECT count(*) FROM accounts WHERE platform = ?1", platform);
}

std::int64_t Database::count_retries(std::string_view platform) {
  return impl_->count("SELECT count(*) FROM reindex_posts", "SELECT count(*) FROM reindex_posts WHERE platform = ?1",
                      platform);
}

}  // namespace aotf::db
