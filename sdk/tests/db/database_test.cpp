// Opening, schema versions, fingerprint modes, and every write rule of the database.

#include <algorithm>
#include <fstream>

#include "db_test_support.hpp"

namespace aotf::db::test {
namespace {

using namespace std::chrono_literals;

class DatabaseTest : public ::testing::Test {
protected:
  TempFolder folder;
  FakeClock clock;
  std::filesystem::path file = Database::default_file(folder.path() / "data");
  Database open(FingerprintMode mode = FingerprintMode::Exact) { return Database(file, options_with(clock, mode)); }
};

TEST_F(DatabaseTest, OpenCreatesTheFileInWalModeAtTheCurrentSchemaVersion) {
  {
    Database db = open();
    EXPECT_EQ(db.schema_version(), kSchemaVersion);
    EXPECT_EQ(db.file(), file);
  }
  EXPECT_EQ(file.filename(), "aotfd.sqlite3");
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(raw_query(file, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(file, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  // Reopening an up-to-date file keeps its data.
  open().save_search_cursor("x", "12", std::string("2024-01-01"));
  EXPECT_EQ(open().count_accounts(), 1);
}

TEST_F(DatabaseTest, RefusesAFileWrittenByANewerSchema) {
  { Database db = open(); }
  raw_query(file, "PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  try {
    Database db = open();
    FAIL() << "a newer schema was accepted";
  } catch (const SchemaTooNewError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find("schema version " + std::to_string(kSchemaVersion + 1)), std::string::npos) << what;
    EXPECT_NE(what.find("newer aotfd"), std::string::npos) << what;
  }
}

TEST_F(DatabaseTest, RefusesAFileThatIsNotSqlite) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "this is a text file, long enough to look like something, but not a database at all\n";
  try {
    Database db = open();
    FAIL() << "a text file was opened as a database";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + " is not a SQLite database"), std::string::npos) << e.what();
  }
}

TEST_F(DatabaseTest, FirstWriterRecordsTheFingerprintModeAndTheOtherModeIsRefused) {
  {
    Database db = open(FingerprintMode::Fast);
    EXPECT_FALSE(db.recorded_fingerprint_mode());  // nothing written yet: either mode may open it
  }
  {
    Database db = open(FingerprintMode::Exact);
    EXPECT_TRUE(db.insert_post(make_post("1", "9", {0x1234})));
    EXPECT_EQ(db.recorded_fingerprint_mode(), FingerprintMode::Exact);
  }
  try {
    Database db = open(FingerprintMode::Fast);
    FAIL() << "fast mode opened an exact database";
  } catch (const FingerprintModeError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() +
                  " was filled with exact fingerprints; this aotfd is configured with fingerprint.mode = \"fast\"; "
                  "set fingerprint.mode = \"exact\", or point data_dir at another folder to start a new database");
  }
  EXPECT_EQ(raw_query(file, "SELECT value FROM meta WHERE key = 'fingerprint_mode'"), "exact");
}

TEST_F(DatabaseTest, TwoModesOpenedOnAnEmptyFileOnlyTheFirstWriterWins) {
  Database fast = open(FingerprintMode::Fast);
  Database exact = open(FingerprintMode::Exact);
  EXPECT_TRUE(fast.insert_post(make_post("1", "9", {1})));
  EXPECT_THROW((void)exact.insert_post(make_post("2", "9", {2})), FingerprintModeError);
  EXPECT_EQ(fast.count_posts(), 1);
  EXPECT_FALSE(fast.has_post("x", "2"));
}

TEST_F(DatabaseTest, ClaimingTheModeRecordsItBeforeAnyPost) {
  {
    Database db = open(FingerprintMode::Fast);
    db.claim_fingerprint_mode();
    EXPECT_EQ(db.recorded_fingerprint_mode(), FingerprintMode::Fast);
    EXPECT_EQ(db.count_posts(), 0);
  }
  EXPECT_THROW(open(FingerprintMode::Exact), FingerprintModeError);
}

TEST_F(DatabaseTest, FirstWriteOfAPostWins) {
  Database db = open();
  Post first = make_post("100", "7", {0xAAAA, std::nullopt});
  first.published_at = "2023-05-06T07:08:09Z";
  EXPECT_TRUE(db.insert_post(first));
  EXPECT_FALSE(db.insert_post(make_post("100", "7", {0xBBBB, 0xCCCC, 0xDDDD})));
  auto stored = db.post("x", "100");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->images[0].fingerprint, Fingerprint{0xAAAA});
  EXPECT_EQ(stored->images[1].name, "100_2.jpg");
  EXPECT_FALSE(stored->images[1].fingerprint);  // lost image: name kept, no fingerprint
  EXPECT_FALSE(stored->images[2].name);
  EXPECT_EQ(stored->published_at, "2023-05-06T07:08:09Z");
  EXPECT_EQ(db.count_posts(), 1);
  // Same id on another platform is another post.
  EXPECT_TRUE(db.insert_post(make_post("100", "did:plc:abc", {0xEEEE}, "bluesky")));
  EXPECT_EQ(db.count_posts(), 2);
  EXPECT_EQ(db.count_posts("x"), 1);
}

TEST_F(DatabaseTest, FingerprintsAreStoredAsEightBytesBigEndian) {
  Database db = open();
  ASSERT_TRUE(db.insert_post(make_post("1", "2", {0x0102030405060708ULL, 0xF000000000000001ULL})));
  EXPECT_EQ(raw_query(file, "SELECT image_1_fingerprint FROM posts"), "0102030405060708");
  EXPECT_EQ(raw_query(file, "SELECT image_2_fingerprint FROM posts"), "f000000000000001");
  EXPECT_EQ(raw_query(file, "SELECT image_3_fingerprint FROM posts"), "NULL");
}

TEST_F(DatabaseTest, FingerprintsAfterARowIdAreThoseCommittedSinceEvenByAnotherConnection) {
  Database db = open();
  ASSERT_TRUE(db.insert_post(make_post("1", "7", {0x11, 0x12})));
  std::int64_t last = -1;
  std::vector<std::pair<std::int64_t, Fingerprint>> seen;
  const auto visit = [&](std::int64_t id, int, Fingerprint f) {
    seen.emplace_back(id, f);
    last = std::max(last, id);
  };
  db.for_each_fingerprint_after(last, visit);
  ASSERT_EQ(seen.size(), 2u);
  // Another connection (another process in the daemon) commits two posts and re-indexes the first.
  {
    Database other = open();
    ASSERT_TRUE(other.insert_post(make_post("2", "7", {0x21})));
    ASSERT_TRUE(other.insert_post(make_post("3", "7", {std::nullopt, 0x32})));
    other.replace_post(make_post("1", "7", {0x13}));
  }
  seen.clear();
  db.for_each_fingerprint_after(last, visit);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].second, Fingerprint{0x21});
  EXPECT_EQ(seen[1].second, Fingerprint{0x32});
  EXPECT_EQ(seen[2].second, Fingerprint{0x13});  // the re-indexed post comes back under a new row id
  EXPECT_EQ(seen[2].first, *db.post_row_id("x", "1"));
  seen.clear();
  db.for_each_fingerprint_after(last, visit);
  EXPECT_TRUE(seen.empty());
}

TEST_F(DatabaseTest, ForcedReindexReplacesThePostInOneTransaction) {
  Database db = open();
  ASSERT_TRUE(db.insert_post(make_post("5", "7", {std::nullopt, std::nullopt})));
  std::int64_t old_id = -1;
  db.for_each_fingerprint([&](std::int64_t id, int, Fingerprint) { old_id = id; });
  EXPECT_EQ(old_id, -1);  // no fingerprint stored yet

  db.replace_post(make_post("5", "7", {0x11, 0x22}));
  auto stored = db.post("x", "5");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->images[0].fingerprint, Fingerprint{0x11});
  EXPECT_EQ(stored->images[1].fingerprint, Fingerprint{0x22});
  EXPECT_EQ(db.count_posts(), 1);

  // Replacing an absent post inserts it.
  db.replace_post(make_post("6", "7", {0x33}));
  EXPECT_EQ(db.count_posts(), 2);

  // A post without an account is refused with a message, and the stored one stays.
  Post bad = make_post("5", "7", {0x44});
  bad.account_id.clear();
  try {
    db.replace_post(bad);
    FAIL() << "a post without an account was stored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a platform, a post id and an account id"), std::string::npos);
  }
  // A replacement interrupted after its delete rolls back whole: the old row is still there.
  EXPECT_THROW(db.write_transaction([&] {
    db.replace_post(make_post("5", "7", {0x55}));
    throw Error("killed in the middle");
  }),
               Error);
  EXPECT_EQ(db.post("x", "5")->images[0].fingerprint, Fingerprint{0x11});
}

TEST_F(DatabaseTest, AFailedWriteTransactionLeavesNothing) {
  Database db = open();
  EXPECT_THROW(db.write_transaction([&] {
    ASSERT_TRUE(db.insert_post(make_post("1", "2", {1})));
    db.save_search_cursor("x", "2", std::string("2024-01-01"));
    throw Error("stop");
  }),
               Error);
  EXPECT_EQ(db.count_posts(), 0);
  EXPECT_EQ(db.count_accounts(), 0);
}

TEST_F(DatabaseTest, FirstCursorSaveCreatesTheAccountWithItsResetDate) {
  Database db = open();
  const std::string t0 = clock.text();
  db.save_search_cursor("x", "42", std::string("2024-01-01"), std::string("artist"));
  auto a = db.account("x", "42");
  ASSERT_TRUE(a);
  EXPECT_EQ(t0, "2024-01-02T03:04:05Z");
  EXPECT_EQ(a->search_cursor, "2024-01-01");
  EXPECT_EQ(a->search_saved_at, t0);
  EXPECT_EQ(a->cursor_reset_at, t0);
  EXPECT_EQ(a->name, "artist");
  EXPECT_FALSE(a->timeline_cursor);
  EXPECT_FALSE(a->timeline_saved_at);
  EXPECT_FALSE(a->last_use);
  EXPECT_EQ(a->uses_count, 0);

  clock.advance(3600s);
  const std::string t1 = clock.text();
  db.save_timeline_cursor("x", "42", std::string("1700000000000000000"));
  a = db.account("x", "42");
  EXPECT_EQ(a->timeline_cursor, "1700000000000000000");
  EXPECT_EQ(a->timeline_saved_at, t1);
  EXPECT_EQ(a->search_saved_at, t0);   // the other cursor is untouched
  EXPECT_EQ(a->cursor_reset_at, t0);   // only the first save sets it
  EXPECT_EQ(a->name, "artist");        // no name given: the last known one stays

  clock.advance(60s);
  db.save_search_cursor("x", "42", std::string("2024-02-01"), std::string("renamed"));
  a = db.account("x", "42");
  EXPECT_EQ(a->search_cursor, "2024-02-01");
  EXPECT_EQ(a->search_saved_at, clock.text());
  EXPECT_EQ(a->cursor_reset_at, t0);
  EXPECT_EQ(a->name, "renamed");

  // An empty listing saves the cursor it had, which still refreshes the date.
  clock.advance(60s);
  db.save_timeline_cursor("x", "42", std::nullopt);
  a = db.account("x", "42");
  EXPECT_FALSE(a->timeline_cursor);
  EXPECT_EQ(a->timeline_saved_at, clock.text());

  // A timeline save may create the row too, and then it sets the reset date.
  db.save_timeline_cursor("bluesky", "did:plc:zz", std::string("3kabc"));
  EXPECT_EQ(db.account("bluesky", "did:plc:zz")->cursor_reset_at, clock.text());
  EXPECT_EQ(db.count_accounts(), 2);
  EXPECT_EQ(db.count_accounts("bluesky"), 1);
}

TEST_F(DatabaseTest, ResettingTheSearchCursorClearsItAndDatesTheReset) {
  Database db = open();
  db.save_search_cursor("x", "42", std::string("2024-01-01"));
  const std::string saved = clock.text();
  clock.advance(86400s);
  EXPECT_TRUE(db.reset_search_cursor("x", "42"));
  auto a = db.account("x", "42");
  EXPECT_FALSE(a->search_cursor);
  EXPECT_EQ(a->cursor_reset_at, clock.text());
  EXPECT_EQ(a->search_saved_at, saved);
  EXPECT_FALSE(db.reset_search_cursor("x", "43"));
  EXPECT_EQ(db.count_accounts(), 1);

  EXPECT_TRUE(db.set_cursor_reset_date("x", "42", "2020-01-01T00:00:00Z"));
  EXPECT_EQ(db.account("x", "42")->cursor_reset_at, "2020-01-01T00:00:00Z");
}

TEST_F(DatabaseTest, AccountUseCountsAndDatesEachSearch) {
  Database db = open();
  EXPECT_FALSE(db.record_account_use("x", "1"));
  db.save_search_cursor("x", "1", std::nullopt);
  clock.advance(10s);
  EXPECT_TRUE(db.record_account_use("x", "1"));
  clock.advance(10s);
  EXPECT_TRUE(db.record_account_use("x", "1"));
  auto a = db.account("x", "1");
  EXPECT_EQ(a->uses_count, 2);
  EXPECT_EQ(a->last_use, clock.text());
}

TEST_F(DatabaseTest, RetryRowsCountRetriesAndKeepTheirFirstUrls) {
  Database db = open();
  RetryPost r;
  r.platform = "x";
  r.post_id = "77";
  r.account_id = "5";
  r.image_urls = {std::string("https://img.test/a.jpg"), std::string("https://img.test/b.jpg"), std::nullopt,
                  std::nullopt};
  db.upsert_retry(r);
  auto stored = db.retry("x", "77");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->retries_count, 0);
  EXPECT_EQ(stored->last_retry_at, clock.text());
  EXPECT_EQ(stored->account_id, "5");
  EXPECT_EQ(stored->image_urls[1], "https://img.test/b.jpg");

  clock.advance(6h);
  r.image_urls[0] = "https://img.test/other.jpg";
  db.upsert_retry(r);
  db.upsert_retry(r);
  stored = db.retry("x", "77");
  EXPECT_EQ(stored->retries_count, 2);
  EXPECT_EQ(stored->last_retry_at, clock.text());
  EXPECT_EQ(stored->image_urls[0], "https://img.test/a.jpg");

  // Crash rescue: a no-op on an existing row, an id-only row otherwise.
  EXPECT_FALSE(db.rescue_post("x", "77"));
  EXPECT_EQ(db.retry("x", "77")->retries_count, 2);
  EXPECT_TRUE(db.rescue_post("x", "78"));
  auto rescued = db.retry("x", "78");
  ASSERT_TRUE(rescued);
  EXPECT_FALSE(rescued->account_id);
  EXPECT_FALSE(rescued->last_retry_at);
  EXPECT_FALSE(rescued->image_urls[0]);
  EXPECT_EQ(rescued->retries_count, 0);
  EXPECT_EQ(db.count_retries(), 2);

  EXPECT_TRUE(db.delete_retry("x", "77"));
  EXPECT_FALSE(db.delete_retry("x", "77"));
  EXPECT_FALSE(db.retry("x", "77"));
  EXPECT_EQ(db.count_retries(), 1);
}

TEST_F(DatabaseTest, SchedulingReadsPutMissingDatesFirstThenOldest) {
  Database db = open();
  // a: both cursors saved at t0. b: only the search cursor (timeline never saved). c: both,
  // timeline at t0+2h and search at t0+1h (older of the two = t0+1h). d: both at t0+3h.
  db.save_search_cursor("x", "a", std::nullopt);
  db.save_timeline_cursor("x", "a", std::nullopt);
  clock.advance(1h);
  db.save_search_cursor("x", "c", std::nullopt);
  db.save_search_cursor("x", "b", std::nullopt);
  clock.advance(1h);
  db.save_timeline_cursor("x", "c", std::nullopt);
  clock.advance(1h);
  db.save_search_cursor("x", "d", std::nullopt);
  db.save_timeline_cursor("x", "d", std::nullopt);
  db.save_search_cursor("bluesky", "e", std::nullopt);

  auto ids = [](const std::vector<Account>& accounts) {
    std::string s;
    for (const auto& a : accounts) s += a.account_id;
    return s;
  };
  EXPECT_EQ(ids(db.accounts_by_update_date("x")), "bacd");
  EXPECT_EQ(ids(db.accounts_by_update_date()), "ebacd");  // ties: by platform

  // Reset dates: a at t0, c and b at t0+1h (row creation), d at t0+3h; a reset later moves a last,
  // and a missing reset date comes first.
  clock.advance(1h);
  ASSERT_TRUE(db.reset_search_cursor("x", "a"));
  raw_query(file, "UPDATE accounts SET cursor_reset_at = NULL WHERE account_id = 'd'");
  EXPECT_EQ(ids(db.accounts_by_cursor_reset_date("x")), "dbca");

  // Re-index rows: never retried first, then oldest retry.
  db.upsert_retry(RetryPost{"x", "r1", std::string("a"), {}, {}, 0});
  clock.advance(1h);
  db.upsert_retry(RetryPost{"x", "r2", std::string("a"), {}, {}, 0});
  db.rescue_post("x", "r3");
  clock.advance(1h);
  db.upsert_retry(RetryPost{"x", "r0", std::string("a"), {}, {}, 0});
  std::string order;
  for (const auto& r : db.retries_by_date()) order += r.post_id + " ";
  EXPECT_EQ(order, "r3 r1 r2 r0 ");
}

}  // namespace
}  // namespace aotf::db::test
