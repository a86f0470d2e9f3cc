// Several processes writing the same file at once, as the daemon's containers do.

#include <sys/wait.h>
#include <unistd.h>

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
    Database db(file);
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
  {
    // The shared account exists before the writers start counting its uses.
    Database db(file);
    db.save_search_cursor("x", "shared", std::nullopt);
  }
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

}  // namespace
}  // namespace aotf::db::test
