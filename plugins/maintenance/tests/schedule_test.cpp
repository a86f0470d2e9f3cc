// The timing rules of the maintenance stages, with explicit times (no waiting).
#include <gtest/gtest.h>

#include "schedule.hpp"

namespace aotf::maintenance {
namespace {

using namespace std::chrono_literals;

const WallClock::time_point kNow = *parse_db_date(std::string_view("2026-03-01T12:00:00Z"));

TEST(Spreader, NonStrictSpacesAccountsByAShareOfThePeriodEvenWhenAllAreOverdue) {
  Spreader spread(milliseconds(30'000), false);
  const auto month_ago = kNow - std::chrono::hours(24 * 40);
  // The first account after the start follows its date: overdue, no wait.
  EXPECT_EQ(spread.wait_before(3, month_ago, kNow), 0ms);
  spread.handled(kNow);
  // Every later one waits P/A after the previous one, although overdue too.
  EXPECT_EQ(spread.wait_before(3, month_ago, kNow), 10'000ms);
  EXPECT_EQ(spread.wait_before(3, std::nullopt, kNow + 4s), 6'000ms);
  EXPECT_EQ(spread.wait_before(3, month_ago, kNow + 12s), 0ms);
}

TEST(Spreader, FirstAccountWaitsAtMostOneShareUntilItsDueDate) {
  Spreader spread(milliseconds(30'000), false);
  EXPECT_EQ(spread.wait_before(3, kNow - 25s, kNow), 5'000ms);   // due in 5 s
  EXPECT_EQ(spread.wait_before(3, kNow - 1s, kNow), 10'000ms);   // due in 29 s: one share
  EXPECT_EQ(spread.wait_before(3, std::nullopt, kNow), 0ms);     // never listed: at once
}

TEST(Spreader, StrictFollowsEachDateSoOverdueAccountsComeAtOnce) {
  Spreader spread(milliseconds(30'000), true);
  const auto month_ago = kNow - std::chrono::hours(24 * 40);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(spread.wait_before(3, month_ago, kNow), 0ms);
    spread.handled(kNow);
  }
  EXPECT_EQ(spread.wait_before(3, kNow - 25s, kNow), 5'000ms);
  EXPECT_EQ(spread.wait_before(3, kNow - 1s, kNow), 10'000ms);
}

TEST(Spreader, ShareIsNeverZero) {
  Spreader spread(milliseconds(5), false);
  EXPECT_EQ(spread.share(1000), 1ms);
  EXPECT_EQ(spread.share(0), 5ms);
}

TEST(DatabaseDates, ParsesTheStoredFormatAsUtcAndRefusesOthers) {
  const auto t = parse_db_date(std::string_view("1970-01-02T00:00:01Z"));
  ASSERT_TRUE(t);
  EXPECT_EQ(WallClock::to_time_t(*t), 86401);
  EXPECT_EQ(parse_db_date(std::string_view("1970-01-02 00:00:01")), t);
  EXPECT_FALSE(parse_db_date(std::string_view("2024-13-01T00:00:00Z")));
  EXPECT_FALSE(parse_db_date(std::string_view("2024-01-01")));
  EXPECT_FALSE(parse_db_date(std::string_view("2024-01-01T00:00:00+02:00")));
  EXPECT_FALSE(parse_db_date(std::optional<std::string>{}));
}

}  // namespace
}  // namespace aotf::maintenance
