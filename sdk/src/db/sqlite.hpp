#pragma once
// Small RAII wrappers over the SQLite C API, private to the db component.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "aotf/db/database.hpp"

namespace aotf::db::sqlite {

struct CloseConnection {
  void operator()(sqlite3* c) const noexcept { sqlite3_close_v2(c); }
};
using ConnectionPtr = std::unique_ptr<sqlite3, CloseConnection>;

// Throws BusyError for SQLITE_BUSY/SQLITE_LOCKED, DatabaseError otherwise. `where` names the file,
// `what` the operation.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& where, std::string_view what);

// A prepared statement. Binding indexes start at 1, columns at 0.
class Statement {
public:
  Statement(sqlite3* db, std::string_view sql, const std::string& where);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind_fingerprint(int index, const std::optional<Fingerprint>& fingerprint);

  // True when a row is available, false when done.
  bool step();
  // Back to the start, bindings cleared.
  void reset() noexcept;

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t integer(int column) const;
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::optional<std::string> optional_text(int column) const;
  // An 8-byte big-endian blob, empty when NULL; any other length throws.
  [[nodiscard]] std::optional<Fingerprint> fingerprint(int column) const;
  [[nodiscard]] std::string_view sql() const noexcept;

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& where_;
};

// Resets a statement when the scope ends, so a cached statement is ready for its next use even
// after an exception.
class Use {
public:
  explicit Use(Statement& s) noexcept : s_(s) {}
  ~Use() { s_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() noexcept { return &s_; }
  Statement& operator*() noexcept { return s_; }

private:
  Statement& s_;
};

// Runs SQL without results (several statements allowed).
void exec(sqlite3* db, const char* sql, const std::string& where);

// 8 bytes, most significant first.
void encode_fingerprint(Fingerprint f, unsigned char out[8]) noexcept;
[[nodiscard]] Fingerprint decode_fingerprint(const unsigned char in[8]) noexcept;

}  // namespace aotf::db::sqlite
