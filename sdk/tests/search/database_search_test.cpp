// The whole-database radius search over a real database: the same answer as comparing the query
// with every stored fingerprint, kept right across forced re-indexes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <random>

#include "aotf/search/database_search.hpp"

namespace aotf::search {
namespace {

class DatabaseSearch : public testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aotf_dbsearch_" + std::to_string(::getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    db_ = std::make_unique<db::Database>(dir_ / "aotfd.sqlite3");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The reference: every account searched by brute force, merged, in the original's order.
  std::vector<db::Match> brute_force(std::uint64_t query, int radius) {
    std::vector<db::Match> all;
    for (const auto& [platform, account] : accounts_) {
      auto part = db_->search_account(platform, account, query, radius);
      all.insert(all.end(), part.begin(), part.end());
    }
    std::sort(all.begin(), all.end(), db::match_order);
    return all;
  }

  static std::vector<std::string> keys(const std::vector<db::Match>& matches) {
    std::vector<std::string> out;
    for (const auto& m : matches) {
      out.push_back(m.platform + "/" + m.post_id + "#" + std::to_string(m.position) + " d" +
                    std::to_string(m.distance) + " n" + std::to_string(m.images_count));
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<db::Database> db_;
  std::vector<std::pair<std::string, std::string>> accounts_;
};

std::uint64_t flip(std::uint64_t code, int bits, std::mt19937_64& random) {
  for (int i = 0; i < bits; ++i) code ^= 1ULL << (random() % 64);  // may flip a bit twice: fewer
  return code;
}

TEST_F(DatabaseSearch, SameAnswerAsComparingEveryStoredFingerprint) {
  std::mt19937_64 random(7);
  std::vector<std::uint64_t> queries;
  for (int i = 0; i < 40; ++i) queries.push_back(random());
  for (int a = 0; a < 20; ++a) accounts_.push_back({a % 2 ? "x" : "bluesky", "account" + std::to_string(a)});
  int next_id = 1;
  db_->write_transaction([&] {
    for (int p = 0; p < 1500; ++p) {
      const auto& [platform, account] = accounts_[p % accounts_.size()];
      db::Post post{platform, std::to_string(next_id++), account, std::nullopt, {}};
      const int images = 1 + static_cast<int>(random() % 4);
      for (int k = 0; k < images; ++k) {
        post.images[k].name = "img" + std::to_string(p) + "_" + std::to_string(k) + ".jpg";
        const auto roll = random() % 10;
        if (roll == 0) continue;  // lost image: name kept, no fingerprint
        post.images[k].fingerprint =
            roll < 4 ? flip(queries[random() % queries.size()], static_cast<int>(random() % 9), random) : random();
      }
      db_->insert_post(post);
    }
  });
  HammingIndex index;
  EXPECT_GT(load_index(*db_, index), 3000u);
  for (int radius : {0, 3, 6, 8}) {
    for (auto q : queries) {
      EXPECT_EQ(keys(search_database(*db_, index, q, radius)), keys(brute_force(q, radius)))
          << "radius " << radius << " query " << q;
    }
  }
  // Filters.
  const auto only_x = search_database(*db_, index, queries[0], 8, "x");
  EXPECT_TRUE(std::all_of(only_x.begin(), only_x.end(), [](const db::Match& m) { return m.platform == "x"; }));
  const auto one = search_database(*db_, index, queries[0], 8, "x", "account1");
  EXPECT_EQ(keys(one), keys(db_->search_account("x", "account1", queries[0], 8)));
}

TEST_F(DatabaseSearch, AForcedReindexReplacesThePostInTheIndex) {
  accounts_ = {{"x", "42"}};
  const std::uint64_t before = 0x0123456789abcdefULL, after = 0xfedcba9876543210ULL;
  db::Post post{"x", "1000", "42", std::nullopt, {}};
  post.images[0] = {std::string("a.jpg"), before};
  db_->insert_post(post);
  HammingIndex index;
  load_index(*db_, index);
  ASSERT_EQ(search_database(*db_, index, before).size(), 1u);

  const auto old_row = db_->post_row_id("x", "1000");
  post.images[0] = {std::string("a.jpg"), after};
  post.images[1] = {std::string("b.jpg"), before ^ 0x3};
  db_->replace_post(post);
  index_post(*db_, index, "x", "1000", old_row);
  const auto found = search_database(*db_, index, before);
  ASSERT_EQ(found.size(), 1u) << "only the new second image is near `before`";
  EXPECT_EQ(found[0].position, 2);
  EXPECT_EQ(found[0].distance, 2);
  EXPECT_EQ(found[0].images_count, 2);
  EXPECT_EQ(search_database(*db_, index, after).size(), 1u);
  EXPECT_EQ(keys(search_database(*db_, index, before)), keys(brute_force(before, 6)));
}

TEST_F(DatabaseSearch, AStaleIndexEntryNeverAnswers) {
  accounts_ = {{"x", "42"}};
  const std::uint64_t code = 0x00ff00ff00ff00ffULL;
  db::Post post{"x", "7", "42", std::nullopt, {}};
  post.images[0] = {std::string("a.jpg"), code};
  db_->insert_post(post);
  HammingIndex index;
  load_index(*db_, index);
  // Replaced behind the index's back (another process indexed it again).
  post.images[0] = {std::string("a.jpg"), ~code};
  db_->replace_post(post);
  EXPECT_TRUE(search_database(*db_, index, code).empty());
}

}  // namespace
}  // namespace aotf::search
