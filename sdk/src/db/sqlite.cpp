#include "sqlite.hpp"

namespace aotf::db::sqlite {

void fail(sqlite3* db, int rc, const std::string& where, std::string_view what) {
  const int primary = rc & 0xff;
  std::string message = where + ": " + std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    throw BusyError(message + " (another writer kept the database locked longer than the busy timeout)");
  }
  if (primary == SQLITE_NOTADB) throw DatabaseError(where + " is not a SQLite database (" + std::string(what) + ")");
  throw DatabaseError(message);
}

Statement::Statement(sqlite3* db, std::string_view sql, const std::string& where) : db_(db), where_(where) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                                    nullptr);
  if (rc != SQLITE_OK) fail(db, rc, where, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

std::string_view Statement::sql() const noexcept { return sqlite3_sql(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc, where_, "binding a value");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(db_, rc, where_, "binding a value");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(db_, rc, where_, "binding a value");
  return *this;
}

Statement& Statement::bind_fingerprint(int index, const std::optional<Fingerprint>& fingerprint) {
  if (!fingerprint) return bind_null(index);
  unsigned char bytes[8];
  encode_fingerprint(*fingerprint, bytes);
  const int rc = sqlite3_bind_blob(stmt_, index, bytes, 8, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, where_, "binding a value");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, where_, "running \"" + std::string(sql().substr(0, 60)) + "\"");
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<Fingerprint> Statement::fingerprint(int column) const {
  if (is_null(column)) return std::nullopt;
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (n != 8 || p == nullptr) {
    throw DatabaseError(where_ + ": column " + sqlite3_column_name(stmt_, column) + " holds " + std::to_string(n) +
                        " bytes where a fingerprint takes 8");
  }
  return decode_fingerprint(static_cast<const unsigned char*>(p));
}

void exec(sqlite3* db, const char* sql, const std::string& where) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string text = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    const int primary = rc & 0xff;
    // The start of the statement on one line, for the message.
    std::string snippet;
    for (const char* p = sql; *p != '\0' && snippet.size() < 60; ++p) {
      const bool space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
      if (!space) {
        snippet += *p;
      } else if (!snippet.empty() && snippet.back() != ' ') {
        snippet += ' ';
      }
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      throw BusyError(where + ": running \"" + snippet + "\": " + text +
                      " (another writer kept the database locked longer than the busy timeout)");
    }
    if (primary == SQLITE_NOTADB) throw DatabaseError(where + " is not a SQLite database");
    throw DatabaseError(where + ": running \"" + snippet + "\": " + text);
  }
}

void encode_fingerprint(Fingerprint f, unsigned char out[8]) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(f & 0xff);
    f >>= 8;
  }
}

Fingerprint decode_fingerprint(const unsigned char in[8]) noexcept {
  Fingerprint f = 0;
  for (int i = 0; i < 8; ++i) f = (f << 8) | in[i];
  return f;
}

}  // namespace aotf::db::sqlite
