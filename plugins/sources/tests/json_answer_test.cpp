#include <gtest/gtest.h>

#include "json_answer.hpp"

namespace {

using aotf::sources::parse_iso8601;
using namespace std::chrono;

TEST(Iso8601, OffsetsAreConvertedNotDropped) {
  const auto utc = sys_days(2024y / March / 1) + 12h;
  EXPECT_EQ(parse_iso8601("2024-03-01T12:00:00Z"), utc);
  EXPECT_EQ(parse_iso8601("2024-03-01T12:00:00.123Z"), utc);
  EXPECT_EQ(parse_iso8601("2024-03-01T21:00:00+09:00"), utc);
  EXPECT_EQ(parse_iso8601("2024-03-01T07:30:00-0430"), utc);
  EXPECT_EQ(parse_iso8601("2024-03-01T12:00:00"), utc);
  EXPECT_FALSE(parse_iso8601("2024-02-30T12:00:00Z"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601("2024-03-01T12:00:00Zjunk"));
}

}  // namespace
