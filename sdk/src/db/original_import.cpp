#include "aotf/db/original_import.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <memory>
#include <set>

#include "aotf/db/database.hpp"

namespace aotf::db {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPlatform = "x";
constexpr int kBatchRows = 2000;

struct CloseSource {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using SourcePtr = std::unique_ptr<sqlite3, CloseSource>;

struct FinalizeStatement {
  void operator()(sqlite3_stmt* st) const noexcept { sqlite3_finalize(st); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// A row that cannot be imported; the message names the table, the row and the column.
struct BadRow : Error {
  using Error::Error;
};

// The columns each table of the original must have (reference schema, SQLite flavour).
const std::vector<std::pair<std::string, std::vector<std::string>>>& required_schema() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> tables = {
      {"accounts",
       {"account_id", "last_SearchAPI_indexing_api_date", "last_SearchAPI_indexing_local_date",
        "last_SearchAPI_indexing_cursor_reset_date", "last_TimelineAPI_indexing_tweet_id",
        "last_TimelineAPI_indexing_local_date", "last_use", "uses_count"}},
      {"tweets",
       {"account_id", "tweet_id", "image_1_name", "image_1_hash", "image_2_name", "image_2_hash", "image_3_name",
        "image_3_hash", "image_4_name", "image_4_hash"}},
      {"reindex_tweets",
       {"tweet_id", "account_id", "image_1_url", "image_2_url", "image_3_url", "image_4_url", "last_retry_date",
        "retries_count"}},
  };
  return tables;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class Source {
public:
  explicit Source(const fs::path& file) : file_(file) {}

  // Empty when the file can be imported, else why not (one sentence).
  [[nodiscard]] std::string open() {
    std::error_code ec;
    if (!fs::exists(file_, ec)) return file_.string() + ": no such file";
    if (!fs::is_regular_file(file_, ec)) return file_.string() + " is not a regular file";
    char header[16] = {};
    std::ifstream in(file_, std::ios::binary);
    if (!in) return "cannot read " + file_.string();
    in.read(header, sizeof header);
    if (in.gcount() != sizeof header || std::string_view(header, sizeof header) != std::string_view("SQLite format 3\0", 16)) {
      return file_.string() +
             " is not a SQLite database (it does not start with the SQLite header); import-aotf-db reads the "
             "SQLite database of the original AOTF server (its SQLITE_DATABASE_NAME file)";
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) {
      return "cannot open " + file_.string() + ": " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db_.get(), 10'000);

    std::vector<std::string> problems;
    for (const auto& [table, columns] : required_schema()) {
      std::set<std::string> present;
      auto st = prepare("PRAGMA table_info(" + table + ")");
      if (!st) return "cannot read " + file_.string() + ": " + sqlite3_errmsg(db_.get());
      int rc2 = SQLITE_ROW;
      while ((rc2 = sqlite3_step(st.get())) == SQLITE_ROW) {
        present.insert(lower(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1))));
      }
      if (rc2 != SQLITE_DONE) return "cannot read " + file_.string() + ": " + sqlite3_errmsg(db_.get());
      if (present.empty()) {
        problems.push_back("no table " + table);
        continue;
      }
      std::vector<std::string> missing;
      for (const auto& column : columns) {
        if (!present.count(lower(column))) missing.push_back(column);
      }
      if (!missing.empty()) problems.push_back("table " + table + " has no column " + join(missing));
    }
    if (!problems.empty()) {
      std::string message = file_.string() + " is not a database of the original AOTF server: ";
      for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
      return message;
    }
    return {};
  }

  StatementPtr prepare(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return nullptr;
    return StatementPtr(st);
  }

  // Runs `sql` with ?1 bound to `after` and calls `row` for each result; throws when SQLite
  // fails mid-way.
  template <class Row>
  void each(const std::string& sql, std::int64_t after, Row&& row) {
    auto st = prepare(sql);
    if (!st) throw Error("cannot read " + file_.string() + ": " + sqlite3_errmsg(db_.get()));
    sqlite3_bind_int64(st.get(), 1, after);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) row(st.get());
    if (rc != SQLITE_DONE) throw Error("cannot read " + file_.string() + ": " + sqlite3_errmsg(db_.get()));
  }

private:
  fs::path file_;
  SourcePtr db_;
};

std::optional<std::string> text_of(sqlite3_stmt* st, int column) {
  if (sqlite3_column_type(st, column) == SQLITE_NULL) return std::nullopt;
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, column)));
}

std::string column_name(sqlite3_stmt* st, int column) { return sqlite3_column_name(st, column); }

// A Twitter id: stored as an integer by the original (UNSIGNED BIGINT affinity), decimal text
// here. Text holding digits is accepted as well.
std::optional<std::string> id_of(sqlite3_stmt* st, int column, bool required) {
  switch (sqlite3_column_type(st, column)) {
    case SQLITE_NULL:
      if (required) throw BadRow(column_name(st, column) + " is NULL");
      return std::nullopt;
    case SQLITE_INTEGER: {
      const std::int64_t v = sqlite3_column_int64(st, column);
      if (v < 0) throw BadRow(column_name(st, column) + " is negative (" + std::to_string(v) + ")");
      return std::to_string(v);
    }
    case SQLITE_TEXT: {
      std::string s = *text_of(st, column);
      if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw BadRow(column_name(st, column) + " is \"" + s + "\", not a decimal id");
      }
      return s;
    }
    default:
      throw BadRow(column_name(st, column) + " is not an integer id");
  }
}

// "YYYY-MM-DD HH:MM:SS[.ffffff]" in local time → "YYYY-MM-DDTHH:MM:SSZ".
std::optional<std::string> utc_date_of(sqlite3_stmt* st, int column) {
  auto text = text_of(st, column);
  if (!text) return std::nullopt;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  const char* s = text->c_str();
  const bool parsed = std::sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second,
                                  &consumed) == 6;
  bool rest_ok = parsed;
  if (parsed && s[consumed] == '.') {
    std::size_t i = static_cast<std::size_t>(consumed) + 1;
    rest_ok = i < text->size();
    for (; i < text->size(); ++i) rest_ok = rest_ok && std::isdigit(static_cast<unsigned char>((*text)[i]));
  } else if (parsed) {
    rest_ok = s[consumed] == '\0';
  }
  if (!rest_ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
      year < 1970) {
    throw BadRow(column_name(st, column) + " is \"" + *text + "\", not a date YYYY-MM-DD HH:MM:SS");
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;  // let the time zone rules say whether summer time applied then
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) {
    throw BadRow(column_name(st, column) + " is \"" + *text + "\", which is no time in the local time zone");
  }
  return format_utc(std::chrono::system_clock::from_time_t(t));
}

std::optional<Fingerprint> fingerprint_of(sqlite3_stmt* st, int column) {
  const int type = sqlite3_column_type(st, column);
  if (type == SQLITE_NULL) return std::nullopt;
  if (type != SQLITE_BLOB || sqlite3_column_bytes(st, column) != 8) {
    throw BadRow(column_name(st, column) + " holds " + std::to_string(sqlite3_column_bytes(st, column)) +
                 " bytes where a fingerprint takes 8");
  }
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, column));
  Fingerprint f = 0;
  for (int i = 0; i < 8; ++i) f = (f << 8) | p[i];
  return f;
}

Account account_of(sqlite3_stmt* st) {
  Account a;
  a.platform = kPlatform;
  a.account_id = *id_of(st, 0, true);
  a.search_cursor = text_of(st, 1);
  a.search_saved_at = utc_date_of(st, 2);
  a.cursor_reset_at = utc_date_of(st, 3);
  a.timeline_cursor = id_of(st, 4, false);
  a.timeline_saved_at = utc_date_of(st, 5);
  a.last_use = utc_date_of(st, 6);
  a.uses_count = sqlite3_column_int64(st, 7);
  return a;
}

Post post_of(sqlite3_stmt* st) {
  Post p;
  p.platform = kPlatform;
  p.post_id = *id_of(st, 0, true);
  p.account_id = *id_of(st, 1, true);
  for (int k = 0; k < 4; ++k) {
    p.images[static_cast<std::size_t>(k)].name = text_of(st, 2 + 2 * k);
    p.images[static_cast<std::size_t>(k)].fingerprint = fingerprint_of(st, 3 + 2 * k);
  }
  return p;
}

RetryPost retry_of(sqlite3_stmt* st) {
  RetryPost r;
  r.platform = kPlatform;
  r.post_id = *id_of(st, 0, true);
  r.account_id = id_of(st, 1, false);
  for (int k = 0; k < 4; ++k) r.image_urls[static_cast<std::size_t>(k)] = text_of(st, 2 + k);
  r.last_retry_at = utc_date_of(st, 6);
  r.retries_count = sqlite3_column_int64(st, 7);
  return r;
}

class Importer {
public:
  Importer(Source& source, Database& db, std::string source_name)
      : source_(source), db_(db), source_name_(std::move(source_name)) {}

  ImportReport report;

  void run() {
    copy("accounts", "account_id",
         {"account_id", "last_SearchAPI_indexing_api_date", "last_SearchAPI_indexing_local_date",
          "last_SearchAPI_indexing_cursor_reset_date", "last_TimelineAPI_indexing_tweet_id",
          "last_TimelineAPI_indexing_local_date", "last_use", "uses_count"},
         report.accounts, [&](sqlite3_stmt* st) { return db_.insert_account(account_of(st)); });
    copy("tweets", "tweet_id",
         {"tweet_id", "account_id", "image_1_name", "image_1_hash", "image_2_name", "image_2_hash", "image_3_name",
          "image_3_hash", "image_4_name", "image_4_hash"},
         report.posts, [&](sqlite3_stmt* st) { return db_.insert_post(post_of(st)); });
    copy("reindex_tweets", "tweet_id",
         {"tweet_id", "account_id", "image_1_url", "image_2_url", "image_3_url", "image_4_url", "last_retry_date",
          "retries_count"},
         report.retries, [&](sqlite3_stmt* st) { return db_.insert_retry(retry_of(st)); });
  }

private:
  // Copies one table in batches of rows (by rowid), one write transaction per batch, so a running
  // daemon's writers wait at most one batch. `insert` converts the row (BadRow: skipped and
  // reported) and returns false when it was already present.
  template <class Insert>
  void copy(const std::string& table, const std::string& key, const std::vector<std::string>& columns, ImportTally& tally,
            Insert&& insert) {
    const int rowid_column = static_cast<int>(columns.size());
    const std::string sql = "SELECT " + join(columns) + ", rowid FROM " + table +
                            " WHERE rowid > ?1 ORDER BY rowid LIMIT " + std::to_string(kBatchRows);
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (bool more = true; more;) {
      int rows = 0;
      db_.write_transaction([&] {
        source_.each(sql, last, [&](sqlite3_stmt* st) {
          ++rows;
          last = sqlite3_column_int64(st, rowid_column);
          try {
            ++(insert(st) ? tally.imported : tally.present);
          } catch (const BadRow& e) {
            ++tally.skipped;
            report.problems.push_back(source_name_ + ": table " + table + ", row " + key + " = " +
                               text_of(st, 0).value_or("NULL") + ": " + e.what() + "; row skipped");
          }
        });
      });
      more = rows == kBatchRows;
    }
  }

  Source& source_;
  Database& db_;
  std::string source_name_;
};

}  // namespace

void check_original_database(const std::filesystem::path& source_file) {
  Source source(source_file);
  if (std::string why = source.open(); !why.empty()) throw NotAnOriginalDatabase(why);
}

ImportReport import_original_database(const std::filesystem::path& source_file, Database& target) {
  Source source(source_file);
  if (std::string why = source.open(); !why.empty()) throw NotAnOriginalDatabase(why);
  target.claim_fingerprint_mode();  // the original's fingerprints are exact ones
  Importer importer(source, target, source_file.string());
  importer.run();
  return importer.report;
}

}  // namespace aotf::db
