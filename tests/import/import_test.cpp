// Runs `aotfd import-aotf-db` on databases of the original AOTF server and checks what lands in
// aotfd's database and what the operator reads.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "aotf/db/database.hpp"

namespace {

namespace fs = std::filesystem;
using aotf::db::Database;
using aotf::db::Fingerprint;

// The original server's statements for SQLite, verbatim (HASH_SIZE_BYTES = 8).
constexpr const char* kOriginalSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
                                   account_id UNSIGNED BIGINT PRIMARY KEY,
                                   last_SearchAPI_indexing_api_date CHAR(10),
                                   last_SearchAPI_indexing_local_date DATETIME,
                                   last_SearchAPI_indexing_cursor_reset_date DATETIME ,
                                   last_TimelineAPI_indexing_tweet_id UNSIGNED BIGINT,
                                   last_TimelineAPI_indexing_local_date DATETIME,
                                   last_use DATETIME,
                                   uses_count UNSIGNED BIGINT DEFAULT 0 NOT NULL );
CREATE TABLE IF NOT EXISTS tweets (
                                  account_id UNSIGNED BIGINT NOT NULL,
                                  tweet_id UNSIGNED BIGINT PRIMARY KEY,
                                  image_1_name VARCHAR(19),
                                  image_1_hash BINARY(8),
                                  image_2_name VARCHAR(19),
                                  image_2_hash BINARY(8),
                                  image_3_name VARCHAR(19),
                                  image_3_hash BINARY(8),
                                  image_4_name VARCHAR(19),
                                  image_4_hash BINARY(8) );
CREATE TABLE IF NOT EXISTS reindex_tweets (
                                          tweet_id UNSIGNED BIGINT PRIMARY KEY,
                                          account_id UNSIGNED BIGINT,
                                          image_1_url VARCHAR(48),
                                          image_2_url VARCHAR(48),
                                          image_3_url VARCHAR(48),
                                          image_4_url VARCHAR(48),
                                          last_retry_date DATETIME,
                                          retries_count UNSIGNED TINYINT DEFAULT 0 NOT NULL );
CREATE INDEX IF NOT EXISTS account_id ON tweets ( account_id );
)sql";

// Rows as the original wrote them: integer ids, naive local dates (with microseconds where
// Python passed a datetime), 8-byte hashes, NULL for lost images.
constexpr const char* kOriginalRows = R"sql(
INSERT INTO accounts VALUES (1234567890, '2021-03-04', '2021-03-04 10:20:30.123456', '2021-01-01 00:00:00',
                             1411111111111111111, '2021-07-01 12:00:00', '2021-07-02 08:00:00', 3);
INSERT INTO accounts (account_id) VALUES (42);
INSERT INTO tweets VALUES (1234567890, 1400000000000000001, 'AAAAAAAAAAAAAAA.jpg', X'0102030405060708',
                           'BBBBBBBBBBBBBBB.png', X'F0F0F0F0F0F0F0F0', NULL, NULL, NULL, NULL);
INSERT INTO tweets VALUES (1234567890, 1400000000000000002, 'CCCCCCCCCCCCCCC.jpg', X'1111111111111111',
                           'DDDDDDDDDDDDDDD.jpg', X'2222222222222222', 'EEEEEEEEEEEEEEE.jpg', NULL, NULL, NULL);
INSERT INTO tweets VALUES (1234567890, 999, 'FFFFFFFFFFFFFFF.jpg', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO tweets VALUES (42, 1000, 'GGGGGGGGGGGGGGG.jpg', NULL, 'HHHHHHHHHHHHHHH.jpg', X'2222222222222222',
                           NULL, NULL, NULL, NULL);
INSERT INTO reindex_tweets VALUES (1500000000000000000, 1234567890, 'https://pbs.twimg.com/media/I.jpg', NULL, NULL,
                                   NULL, '2021-07-03 09:30:00', 2);
INSERT INTO reindex_tweets (tweet_id) VALUES (1500000000000000001);
)sql";

// Central European time without tzdata: UTC+1, summer time UTC+2.
constexpr const char* kTimeZone = "CET-1CEST,M3.5.0,M10.5.0/3";

void exec_sql(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// The first column of the first row, as text (use quote() for blobs).
std::string hex_of(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out = "<error>";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    out = sqlite3_step(st) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0)) : "<no row>";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

class ImportTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "aotf_import_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir = pattern;
    fs::create_directories(dir / "plugins");
    write_config("exact");
    original = dir / "AOTF.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  void write_config(const std::string& mode) {
    std::ofstream(dir / "aotfd.toml") << "data_dir = \"" << (dir / "data").string() << "\"\n"
                                      << "plugins_dir = \"" << (dir / "plugins").string() << "\"\n"
                                      << "[fingerprint]\nmode = \"" << mode << "\"\n";
  }

  void make_original() {
    exec_sql(original, kOriginalSchema);
    exec_sql(original, kOriginalRows);
  }

  CommandResult import(const fs::path& file) {
    const std::string command = std::string("env TZ='") + kTimeZone + "' " + AOTFD_BINARY + " --config " +
                                (dir / "aotfd.toml").string() + " import-aotf-db " + file.string() + " 2>&1";
    CommandResult run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
    const int status = pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

  fs::path target() const { return Database::default_file(dir / "data"); }

  fs::path dir;
  fs::path original;
};

TEST_F(ImportTest, ImportsEveryTableAsPlatformXWithUtcDatesAndTheSameFingerprintBytes) {
  make_original();
  const CommandResult run = import(original);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("accounts:       2 imported, 0 already present"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("posts:          4 imported, 0 already present"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("re-index rows:  2 imported, 0 already present"), std::string::npos) << run.output;

  Database db(target());
  EXPECT_EQ(db.recorded_fingerprint_mode(), aotf::db::FingerprintMode::Exact);
  auto a = db.account("x", "1234567890");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->search_cursor, "2021-03-04");
  EXPECT_EQ(a->search_saved_at, "2021-03-04T09:20:30Z");   // winter: UTC+1, microseconds dropped
  EXPECT_EQ(a->cursor_reset_at, "2020-12-31T23:00:00Z");   // the day before in UTC
  EXPECT_EQ(a->timeline_cursor, "1411111111111111111");
  EXPECT_EQ(a->timeline_saved_at, "2021-07-01T10:00:00Z"); // summer: UTC+2
  EXPECT_EQ(a->last_use, "2021-07-02T06:00:00Z");
  EXPECT_EQ(a->uses_count, 3);
  auto bare = db.account("x", "42");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->search_cursor);
  EXPECT_FALSE(bare->cursor_reset_at);
  EXPECT_EQ(bare->uses_count, 0);

  // Fingerprints byte for byte, lost images kept by name with no fingerprint.
  EXPECT_EQ(hex_of(target(), "SELECT quote(image_1_fingerprint) FROM posts WHERE post_id = '1400000000000000001'"),
            "X'0102030405060708'");
  EXPECT_EQ(hex_of(target(), "SELECT quote(image_2_fingerprint) FROM posts WHERE post_id = '1400000000000000001'"),
            "X'F0F0F0F0F0F0F0F0'");
  auto lost = db.post("x", "1400000000000000002");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->account_id, "1234567890");
  EXPECT_EQ(lost->images[2].name, "EEEEEEEEEEEEEEE.jpg");
  EXPECT_FALSE(lost->images[2].fingerprint);
  EXPECT_FALSE(lost->published_at);
  auto none = db.post("x", "999");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->images[0].fingerprint);

  // The imported posts are searchable; the third image was lost but still counts.
  auto matches = db.search_account("x", "1234567890", 0x2222222222222222ULL);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].post_id, "1400000000000000002");
  EXPECT_EQ(matches[0].position, 2);
  EXPECT_EQ(matches[0].images_count, 3);
  EXPECT_EQ(db.search_exact(0x2222222222222222ULL).size(), 2u);

  auto retry = db.retry("x", "1500000000000000000");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->account_id, "1234567890");
  EXPECT_EQ(retry->image_urls[0], "https://pbs.twimg.com/media/I.jpg");
  EXPECT_EQ(retry->last_retry_at, "2021-07-03T07:30:00Z");
  EXPECT_EQ(retry->retries_count, 2);
  auto id_only = db.retry("x", "1500000000000000001");
  ASSERT_TRUE(id_only);
  EXPECT_FALSE(id_only->account_id);
  EXPECT_FALSE(id_only->last_retry_at);
  EXPECT_EQ(id_only->retries_count, 0);
  // Never retried: first in the retry order.
  EXPECT_EQ(db.retries_by_date().front().post_id, "1500000000000000001");
}

TEST_F(ImportTest, ASecondRunAddsNothingAndSaysSo) {
  make_original();
  ASSERT_EQ(import(original).status, 0);
  {
    // The daemon has used the data meanwhile: a re-import must not overwrite it.
    Database db(target());
    ASSERT_TRUE(db.record_account_use("x", "1234567890"));
  }
  const CommandResult again = import(original);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("accounts:       0 imported, 2 already present"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("posts:          0 imported, 4 already present"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("re-index rows:  0 imported, 2 already present"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("Nothing new"), std::string::npos) << again.output;
  Database db(target());
  EXPECT_EQ(db.count_posts(), 4);
  EXPECT_EQ(db.account("x", "1234567890")->uses_count, 4);
}

TEST_F(ImportTest, AnEmptyOriginalDatabaseStillMarksTheTargetExact) {
  exec_sql(original, kOriginalSchema);
  const CommandResult run = import(original);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("Nothing to import: " + original.string() + " holds no rows."), std::string::npos)
      << run.output;
  Database db(target());
  EXPECT_EQ(db.recorded_fingerprint_mode(), aotf::db::FingerprintMode::Exact);
  EXPECT_EQ(db.count_accounts(), 0);
}

TEST_F(ImportTest, RefusesAFileThatIsNotSqlite) {
  std::ofstream(original) << "-- MySQL dump 10.13\nCREATE TABLE accounts (account_id BIGINT);\n";
  const CommandResult run = import(original);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find(original.string() + " is not a SQLite database"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(target()));
}

TEST_F(ImportTest, RefusesAMissingFile) {
  const CommandResult run = import(dir / "nowhere.db");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find((dir / "nowhere.db").string() + ": no such file"), std::string::npos) << run.output;
}

TEST_F(ImportTest, NamesTheTablesAndColumnsASqliteFileLacks) {
  exec_sql(original,
           "CREATE TABLE accounts (account_id UNSIGNED BIGINT PRIMARY KEY, last_SearchAPI_indexing_api_date CHAR(10),"
           " last_SearchAPI_indexing_local_date DATETIME, last_SearchAPI_indexing_cursor_reset_date DATETIME,"
           " last_TimelineAPI_indexing_tweet_id UNSIGNED BIGINT, last_TimelineAPI_indexing_local_date DATETIME,"
           " last_use DATETIME, uses_count UNSIGNED BIGINT DEFAULT 0 NOT NULL);"
           "CREATE TABLE tweets (account_id UNSIGNED BIGINT NOT NULL, tweet_id UNSIGNED BIGINT PRIMARY KEY,"
           " image_1_name VARCHAR(19), image_1_hash BINARY(8), image_2_name VARCHAR(19), image_2_hash BINARY(8),"
           " image_3_name VARCHAR(19), image_3_hash BINARY(8));");
  const CommandResult run = import(original);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find(original.string() +
                            " is not a database of the original AOTF server: table tweets has no column "
                            "image_4_name, image_4_hash; no table reindex_tweets"),
            std::string::npos)
      << run.output;
}

TEST_F(ImportTest, SkipsAndNamesRowsThatCannotBeRead) {
  make_original();
  exec_sql(original,
           "INSERT INTO tweets VALUES (42, 1001, 'a.jpg', X'0102030405', NULL, NULL, NULL, NULL, NULL, NULL);"
           "INSERT INTO reindex_tweets VALUES (1002, 42, NULL, NULL, NULL, NULL, 'yesterday', 0);");
  const CommandResult run = import(original);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find(original.string() +
                            ": table tweets, row tweet_id = 1001: image_1_hash holds 5 bytes where a fingerprint "
                            "takes 8; row skipped"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("row tweet_id = 1002: last_retry_date is \"yesterday\", not a date"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("posts:          4 imported, 0 already present, 1 skipped"), std::string::npos)
      << run.output;
  Database db(target());
  EXPECT_EQ(db.count_posts(), 4);
  EXPECT_FALSE(db.has_post("x", "1001"));
}

TEST_F(ImportTest, RefusesWhenTheConfigurationOrTheTargetUsesFastFingerprints) {
  make_original();
  write_config("fast");
  CommandResult run = import(original);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("sets fingerprint.mode = \"fast\"; set it to \"exact\""), std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(target()));

  {
    Database::Options fast;
    fast.fingerprint_mode = aotf::db::FingerprintMode::Fast;
    Database db(target(), fast);
    aotf::db::Post p;
    p.platform = "x";
    p.post_id = "1";
    p.account_id = "2";
    ASSERT_TRUE(db.insert_post(p));
  }
  write_config("exact");
  run = import(original);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find(target().string() + " was filled with fast fingerprints"), std::string::npos)
      << run.output;
  EXPECT_EQ(Database(target(), [] {
              Database::Options o;
              o.fingerprint_mode = aotf::db::FingerprintMode::Fast;
              return o;
            }())
                .count_posts(),
            1);
}

}  // namespace
