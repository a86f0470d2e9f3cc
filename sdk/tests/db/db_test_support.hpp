#pragma once
// A temporary folder, a settable clock and raw SQLite access for the database tests.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "aotf/db/database.hpp"

namespace aotf::db::test {

class TempFolder {
public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aotf_db_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

// 2024-01-02T03:04:05Z plus whatever the test adds.
struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1704164645));
  void advance(std::chrono::seconds s) { now += s; }
  std::string text() const { return format_utc(now); }
};

inline Database::Options options_with(FakeClock& clock, FingerprintMode mode = FingerprintMode::Exact) {
  Database::Options o;
  o.fingerprint_mode = mode;
  o.clock = [&clock] { return clock.now; };
  return o;
}

// Runs one query on the file with a separate plain SQLite connection; returns the first column
// of the first row as text ("NULL" for NULL, hex for blobs).
inline std::string raw_query(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    throw std::runtime_error("cannot open " + file.string());
  }
  sqlite3_stmt* st = nullptr;
  std::string out = "<no row>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string e = sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    throw std::runtime_error(e);
  }
  if (sqlite3_step(st) == SQLITE_ROW) {
    switch (sqlite3_column_type(st, 0)) {
      case SQLITE_NULL: out = "NULL"; break;
      case SQLITE_BLOB: {
        static const char* hex = "0123456789abcdef";
        const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, 0));
        out.clear();
        for (int i = 0; i < sqlite3_column_bytes(st, 0); ++i) {
          out += hex[p[i] >> 4];
          out += hex[p[i] & 15];
        }
        break;
      }
      default: out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(db);
  return out;
}

inline Post make_post(std::string id, std::string account, std::initializer_list<std::optional<Fingerprint>> fps,
                      std::string platform = "x") {
  Post p;
  p.platform = std::move(platform);
  p.post_id = std::move(id);
  p.account_id = std::move(account);
  std::size_t k = 0;
  for (const auto& f : fps) {
    p.images[k].name = p.post_id + "_" + std::to_string(k + 1) + ".jpg";
    p.images[k].fingerprint = f;
    ++k;
  }
  return p;
}

}  // namespace aotf::db::test
