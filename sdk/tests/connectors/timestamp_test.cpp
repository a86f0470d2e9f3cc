// Publication dates are converted to UTC, never re-labelled (the original replaced the zone).
#include <gtest/gtest.h>

#include <aotf/connectors/site.hpp>

namespace {

using namespace std::chrono;

sys_seconds utc(int y, int mo, int d, int h, int mi, int s) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Timestamp, OffsetsAreConvertedToUtc) {
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01T04:05:06-08:00"), utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01T21:05:06+09:00"), utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01T07:05:06.123-05:00"), utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01T12:05:06Z"), utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01 12:05:06 +0000"), utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(aotf::parse_timestamp("2021-03-01T12:05:06"), utc(2021, 3, 1, 12, 5, 6));
  // Crossing midnight and a year boundary.
  EXPECT_EQ(aotf::parse_timestamp("2021-01-01T01:00:00+02:00"), utc(2020, 12, 31, 23, 0, 0));
  EXPECT_EQ(aotf::parse_timestamp("2020-02-29T23:30:00-01:00"), utc(2020, 3, 1, 0, 30, 0));
}

TEST(Timestamp, RejectsWhatIsNotATimestamp) {
  for (const char* bad : {"", "yesterday", "2021-02-30T00:00:00Z", "2021-03-01", "2021-03-01T25:00:00Z",
                          "2021-03-01T12:00:00+25:00", "2021-03-01T12:00:00 garbage"})
    EXPECT_FALSE(aotf::parse_timestamp(bad)) << bad;
}

}  // namespace
