// Several processes writing the same file at once, as the daemon's containers do.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "db_test_support.hpp"

namespace aotf::db::test {
namespace {

constexpr int kWriters = 4;
constexpr int kOwnPosts = 400;
constexpr int kSharedPosts = 40;
constexpr int kUses = 25;

// Runs in a forked child: opens its own connection (never one inherited across fork) and writes
// posts, cursors, retries and account uses interleaved with the other writers.
int writer(const std::filesystem::path& file, int index) {
  try {
    // Every writer opens the new file at the same moment: creation, WAL switch and migrations race.
    Database db(file);
    db.save_search_cursor("x", "shared", std::nullopt);
    for (int i = 0; i < kOwnPosts; ++i) {
      const std::string id = std::to_string(index * 1'000'000 + i);
      if (!db.insert_post(make_post(id, "w" + std::to_string(index), {Fingerprint(i), std::nullopt}))) return 10;
      if (i < kSharedPosts) {
        // Every writer inserts the same shared ids: exactly one row each must survive.
        (void)db.insert_post(make_post("shared" + std::to_string(i), "shared", {Fingerprint(index)}));
        db.upsert_retry(RetryPost{"x", "retry" + std::to_string(i), std::string("shared"), {}, {}, 0});
      }
      if (i % 10 == 0) {
        db.save_search_cursor("x", "w" + std::to_string(index), std::to_string(i));
        db.save_timeline_cursor("x", "shared", std::to_string(i));
      }
      if (i < kUses) db.record_account_use("x", "shared");
    }
    db.write_transaction([&] {
      for (int i = 0; i < 50; ++i) {
        (void)db.insert_post(make_post("batch" + std::to_string(index) + "_" + std::to_string(i), "b", {1}));
      }
    });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", index, e.what());
    return 1;
  }
}

TEST(ConcurrentWriters, SeveralProcessesWriteTheSameFileAndEveryRowIsThereOnce) {
  TempFolder folder;
  const auto file = Database::default_file(folder.path());
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(writer(file, w));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "writer pid " << pid << " failed (its error is on stderr)";
  }

  Database db(file);
  EXPECT_EQ(db.count_posts(), kWriters * kOwnPosts + kSharedPosts + kWriters * 50);
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kOwnPosts; ++i) {
      auto p = db.post("x", std::to_string(w * 1'000'000 + i));
      ASSERT_TRUE(p) << "writer " << w << " post " << i << " is missing";
      EXPECT_EQ(p->images[0].fingerprint, Fingerprint(i));
    }
    EXPECT_EQ(db.account("x", "w" + std::to_string(w))->search_cursor, std::to_string(kOwnPosts - 1 - (kOwnPosts - 1) % 10));
  }
  EXPECT_EQ(raw_query(file, "SELECT count(*) FROM posts WHERE post_id LIKE 'shared%'"), std::to_string(kSharedPosts));
  EXPECT_EQ(raw_query(file, "SELECT count(DISTINCT post_id) FROM posts"), std::to_string(db.count_posts()));
  // No lost update: every retry and every use was counted.
  for (int i = 0; i < kSharedPosts; ++i) {
    EXPECT_EQ(db.retry("x", "retry" + std::to_string(i))->retries_count, kWriters - 1);
  }
  EXPECT_EQ(db.account("x", "shared")->uses_count, kWriters * kUses);
  EXPECT_EQ(db.count_accounts(), kWriters + 1);
}

// Holds the write lock from a plain SQLite connection, as another process's long transaction would.
class WriteLockHolder {
public:
  explicit WriteLockHolder(const std::filesystem::path& file) {
    sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  ~WriteLockHolder() { release(); }

private:
  sqlite3* db_ = nullptr;
};

TEST(BusyWriters, AWriterWaitsForTheLockAndWritesWhenItIsReleased) {
  TempFolder folder;
  const auto file = Database::default_file(folder.path());
  Database db(file);
  WriteLockHolder holder(file);
  std::atomic<bool> released{false};
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    released = true;
    holder.release();
  });
  EXPECT_TRUE(db.insert_post(make_post("1", "2", {3})));
  EXPECT_TRUE(released.load());  // it really waited for the other writer
  other.join();
  EXPECT_EQ(db.count_posts(), 1);
}

TEST(BusyWriters, AWriterGivesUpAfterTheBusyTimeoutWithAClearError) {
  TempFolder folder;
  const auto file = Database::default_file(folder.path());
  Database::Options options;
  options.busy_timeout = std::chrono::milliseconds(200);
  Database db(file, options);
  WriteLockHolder holder(file);
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)db.insert_post(make_post("1", "2", {3}));
    FAIL() << "wrote while another writer held the lock";
  } catch (const BusyError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("longer than the busy timeout"), std::string::npos) << e.what();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  holder.release();
  EXPECT_TRUE(db.insert_post(make_post("1", "2", {3})));  // the connection is still usable
}

}  // namespace
}  // namespace aotf::db::test
