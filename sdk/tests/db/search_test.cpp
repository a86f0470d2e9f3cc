// Per-account brute force, the whole-database exact search, and the fingerprint stream.

#include <map>

#include "db_test_support.hpp"

namespace aotf::db::test {
namespace {

class SearchTest : public ::testing::Test {
protected:
  TempFolder folder;
  FakeClock clock;
  Database db{Database::default_file(folder.path()), options_with(clock)};
};

constexpr Fingerprint kQuery = 0xF0F0F0F0F0F0F0F0ULL;
constexpr Fingerprint flip(Fingerprint f, int bits) { return f ^ ((1ULL << bits) - 1); }

std::string describe(const std::vector<Match>& matches) {
  std::string s;
  for (const auto& m : matches) {
    s += m.post_id + "/" + std::to_string(m.position) + " d" + std::to_string(m.distance) + " n" +
         std::to_string(m.images_count) + "; ";
  }
  return s;
}

TEST_F(SearchTest, BruteForceReturnsTheAccountsMatchesByDistanceImagesAndPostId) {
  ASSERT_TRUE(db.insert_post(make_post("900", "artist", {flip(kQuery, 2)})));
  ASSERT_TRUE(db.insert_post(make_post("1000", "artist", {flip(kQuery, 7), kQuery})));          // d0 at 2
  ASSERT_TRUE(db.insert_post(make_post("1001", "artist", {flip(kQuery, 2)})));
  ASSERT_TRUE(db.insert_post(make_post("99", "artist", {flip(kQuery, 2), 0x1, 0x2})));          // 3 images
  ASSERT_TRUE(db.insert_post(make_post("50", "artist", {flip(kQuery, 6)})));                     // at threshold
  ASSERT_TRUE(db.insert_post(make_post("51", "artist", {flip(kQuery, 7)})));                     // one bit too far
  ASSERT_TRUE(db.insert_post(make_post("52", "artist", {std::nullopt})));                        // lost image
  ASSERT_TRUE(db.insert_post(make_post("7", "other", {kQuery})));                                // other account
  ASSERT_TRUE(db.insert_post(make_post("8", "artist", {kQuery}, "bluesky")));                    // other platform

  const auto matches = db.search_account("x", "artist", kQuery);
  // Numeric post ids order as numbers: 900 before 1001 at equal distance and image count.
  EXPECT_EQ(describe(matches), "1000/2 d0 n2; 900/1 d2 n1; 1001/1 d2 n1; 99/1 d2 n3; 50/1 d6 n1; ");
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].image_name, "1000_2.jpg");
  EXPECT_EQ(matches[0].account_id, "artist");
  EXPECT_EQ(matches[0].fingerprint, kQuery);

  EXPECT_EQ(describe(db.search_account("x", "artist", kQuery, 0)), "1000/2 d0 n2; ");
  EXPECT_TRUE(db.search_account("x", "nobody", kQuery).empty());
}

TEST_F(SearchTest, ImagesCountCountsStoredImagesEvenWhenTheLastOneWasLost) {
  // Three images stored, the third lost: the original reported 2 here.
  ASSERT_TRUE(db.insert_post(make_post("1", "a", {kQuery, 0x5, std::nullopt})));
  const auto matches = db.search_account("x", "a", kQuery);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].images_count, 3);
  EXPECT_EQ(matches[0].position, 1);
}

TEST_F(SearchTest, ExactSearchFindsEqualFingerprintsAnywhereOrInOneAccount) {
  ASSERT_TRUE(db.insert_post(make_post("1", "a", {0x1, kQuery})));
  ASSERT_TRUE(db.insert_post(make_post("2", "b", {kQuery, 0x2, kQuery})));
  ASSERT_TRUE(db.insert_post(make_post("3", "b", {flip(kQuery, 1)})));
  ASSERT_TRUE(db.insert_post(make_post("4", "c", {kQuery}, "bluesky")));
  EXPECT_EQ(describe(db.search_exact(kQuery)), "4/1 d0 n1; 1/2 d0 n2; 2/1 d0 n3; 2/3 d0 n3; ");
  EXPECT_EQ(describe(db.search_exact(kQuery, "x", "b")), "2/1 d0 n3; 2/3 d0 n3; ");
  EXPECT_EQ(describe(db.search_exact(kQuery, "x")), "1/2 d0 n2; 2/1 d0 n3; 2/3 d0 n3; ");
  EXPECT_TRUE(db.search_exact(0x42).empty());
}

TEST_F(SearchTest, FingerprintStreamVisitsEveryStoredFingerprintWithItsRow) {
  ASSERT_TRUE(db.insert_post(make_post("1", "a", {0x10, std::nullopt, 0x30})));
  ASSERT_TRUE(db.insert_post(make_post("2", "a", {std::nullopt})));
  ASSERT_TRUE(db.insert_post(make_post("3", "b", {0x40}, "bluesky")));
  std::map<std::pair<std::string, int>, Fingerprint> seen;
  db.for_each_fingerprint([&](std::int64_t row, int position, Fingerprint f) {
    auto post = db.post_by_row_id(row);  // the visitor may use the database meanwhile
    ASSERT_TRUE(post);
    seen[{post->platform + ":" + post->post_id, position}] = f;
  });
  const std::map<std::pair<std::string, int>, Fingerprint> expected = {
      {{"x:1", 1}, 0x10}, {{"x:1", 3}, 0x30}, {{"bluesky:3", 1}, 0x40}};
  EXPECT_EQ(seen, expected);
  EXPECT_FALSE(db.post_by_row_id(12345));
}

TEST(MatchOrder, ComparesNumericIdsAsNumbersAndOthersAsText) {
  Match a{"x", "99", "", "", 1, 1, 0, 0};
  Match b{"x", "100", "", "", 1, 1, 0, 0};
  EXPECT_TRUE(match_order(a, b));
  EXPECT_FALSE(match_order(b, a));
  Match c{"bluesky", "3kb", "", "", 1, 1, 0, 0};
  Match d{"bluesky", "3kab", "", "", 1, 1, 0, 0};
  EXPECT_TRUE(match_order(d, c));
}

}  // namespace
}  // namespace aotf::db::test
