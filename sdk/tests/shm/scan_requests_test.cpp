// Scan requests as step 2, the console, maintenance and the A/B/C workers see them.
#include "pipeline_test_support.hpp"

namespace aotf::shm {
namespace {

using namespace std::chrono_literals;
using test::make_segment;

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

std::string popped_id(ScanRequests& scans, Listing listing) {
  const auto s = scans.pop(listing, 1ms);
  return s ? s->account_id : std::string("(none)");
}

TEST(ScanRequests, LaunchQueuesBothListingsAndPopMarksThemStarted) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  const auto launched = scans.launch("x", "100", "artist", false, false, kNow);
  EXPECT_TRUE(launched.created);
  EXPECT_EQ(launched.scan.account_name, "artist");
  auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.search_normal, 1u);
  EXPECT_EQ(counts.timeline_normal, 1u);
  EXPECT_EQ(counts.processing_scan, 1u);
  EXPECT_FALSE(scans.launch("x", "100", "renamed", false, false, kNow).created) << "create-or-get";
  EXPECT_TRUE(scans.launch("bluesky", "100", "artist", false, false, kNow).created) << "keyed by platform too";

  const auto a = scans.pop(Listing::Search, 10ms);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->platform, "x");
  EXPECT_TRUE(a->started_search);
  EXPECT_FALSE(a->started_timeline);
  EXPECT_TRUE(scans.get(a->ref)->started_search);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(popped_id(scans, Listing::Search), "100");  // the bluesky one
  EXPECT_FALSE(scans.pop(Listing::Search, 200ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(popped_id(scans, Listing::Timeline), "100");
  EXPECT_EQ(scans.get("x", "100")->started_timeline, true);
}

TEST(ScanRequests, PriorityQueuesComeFirst) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", false, false, kNow);
  (void)scans.launch("x", "2", "b", true, false, kNow);
  (void)scans.launch("x", "3", "c", false, false, kNow);
  (void)scans.launch("x", "4", "d", true, false, kNow);
  for (const char* id : {"2", "4", "1", "3"}) EXPECT_EQ(popped_id(scans, Listing::Search), id);
  for (const char* id : {"2", "4", "1", "3"}) EXPECT_EQ(popped_id(scans, Listing::Timeline), id);
}

TEST(ScanRequests, AskingForPriorityPromotesListingsThatHaveNotStarted) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", false, false, kNow);
  (void)scans.launch("x", "2", "b", false, false, kNow);
  (void)scans.launch("x", "3", "c", false, false, kNow);
  EXPECT_EQ(popped_id(scans, Listing::Search), "1");  // 1's search listing started

  const auto promoted = scans.launch("x", "3", "c", true, false, kNow);
  EXPECT_FALSE(promoted.created);
  EXPECT_TRUE(promoted.scan.is_priority);
  (void)scans.launch("x", "1", "a", true, false, kNow);
  auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.search_priority, 1u) << "3 moved; 1's search listing had started";
  EXPECT_EQ(counts.search_normal, 1u);
  EXPECT_EQ(counts.timeline_priority, 2u) << "3 then 1";
  EXPECT_EQ(counts.timeline_normal, 1u);
  for (const char* id : {"3", "2"}) EXPECT_EQ(popped_id(scans, Listing::Search), id);
  EXPECT_EQ(popped_id(scans, Listing::Search), "(none)") << "1 is not listed twice";
  for (const char* id : {"3", "1", "2"}) EXPECT_EQ(popped_id(scans, Listing::Timeline), id);
}

TEST(ScanRequests, ResetIsSetOnlyBeforeTheSearchListingStarts) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", false, false, kNow);
  (void)scans.launch("x", "2", "b", false, false, kNow);
  EXPECT_EQ(popped_id(scans, Listing::Search), "1");
  EXPECT_FALSE(scans.launch("x", "1", "a", false, true, kNow).scan.reset_search_cursor);
  EXPECT_TRUE(scans.launch("x", "2", "b", false, true, kNow).scan.reset_search_cursor);
  EXPECT_TRUE(scans.launch("x", "3", "c", false, true, kNow).scan.reset_search_cursor);
}

TEST(ScanRequests, FailedUnfoundAndBlocklistedScansEndAndLeaveTheQueues) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  const auto failed = scans.launch("x", "1", "a", false, false, kNow).scan;
  const auto unfound = scans.launch("x", "2", "b", true, false, kNow).scan;
  const auto blocked = scans.launch("x", "3", "c", false, false, kNow).scan;
  ASSERT_EQ(popped_id(scans, Listing::Search), "2");
  EXPECT_TRUE(scans.fail(failed.ref, kNow + 1));
  EXPECT_FALSE(scans.fail(failed.ref, kNow + 2)) << "ends once";
  EXPECT_TRUE(scans.mark_unfound(unfound.ref, kNow + 3));
  EXPECT_TRUE(scans.mark_blocklisted(blocked.ref, kNow + 4));
  EXPECT_FALSE(scans.mark_unfound(blocked.ref, kNow + 5));
  const auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.processing_scan, 0u);
  EXPECT_EQ(counts.search_normal + counts.search_priority + counts.timeline_normal + counts.timeline_priority, 0u);
  EXPECT_TRUE(scans.ended(failed.ref));
  EXPECT_TRUE(scans.get(failed.ref)->has_failed);
  EXPECT_EQ(scans.get(failed.ref)->finished_ms, kNow + 1);
  EXPECT_TRUE(scans.get(unfound.ref)->unfound);
  EXPECT_TRUE(scans.get(blocked.ref)->blocklisted);
  EXPECT_FALSE(scans.pop(Listing::Timeline, 1ms));
  // A failed scan's cursor instruction still arrives: its cursor must not be saved.
  const auto finish = scans.finish_listing(failed.ref, Listing::Search, kNow + 6);
  EXPECT_FALSE(finish.save_cursor);
  EXPECT_FALSE(finish.scan_ended);
}

TEST(ScanRequests, BothListingsIndexedEndTheScanOnce) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  const auto s = scans.launch("x", "1", "a", false, false, kNow).scan;
  (void)scans.pop(Listing::Search, 1ms);
  (void)scans.pop(Listing::Timeline, 1ms);
  auto first = scans.finish_listing(s.ref, Listing::Timeline, kNow + 10);
  EXPECT_TRUE(first.save_cursor);
  EXPECT_FALSE(first.scan_ended);
  EXPECT_FALSE(scans.ended(s.ref));
  auto second = scans.finish_listing(s.ref, Listing::Search, kNow + 20);
  EXPECT_TRUE(second.save_cursor);
  EXPECT_TRUE(second.scan_ended);
  EXPECT_TRUE(scans.ended(s.ref));
  EXPECT_EQ(scans.get(s.ref)->finished_ms, kNow + 20);
  EXPECT_FALSE(scans.finish_listing(s.ref, Listing::Search, kNow + 30).scan_ended);
  EXPECT_EQ(pipeline_counts(*segment).processing_scan, 0u);
  EXPECT_EQ(scans.finish_listing({RequestRef::Scan, s.ref.slot, s.ref.generation + 7}, Listing::Search).save_cursor,
            false) << "a stale ref saves nothing";
}

TEST(ScanRequests, ARecentScanIsReturnedAsItIsAndAnOldOneIsReplaced) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  const auto s = scans.launch("x", "1", "a", false, false, kNow).scan;
  (void)scans.pop(Listing::Search, 1ms);
  (void)scans.pop(Listing::Timeline, 1ms);
  (void)scans.finish_listing(s.ref, Listing::Search, kNow);
  (void)scans.finish_listing(s.ref, Listing::Timeline, kNow);
  const auto again = scans.launch("x", "1", "a", true, true, kNow + kDay - 1);
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.scan.ended());
  EXPECT_FALSE(again.scan.is_priority) << "returned as it is";
  EXPECT_EQ(pipeline_counts(*segment).search_priority, 0u);
  const auto fresh = scans.launch("x", "1", "a", true, false, kNow + kDay);
  EXPECT_TRUE(fresh.created);
  EXPECT_FALSE(fresh.scan.ended());
  EXPECT_TRUE(scans.ended(s.ref)) << "the old ref is stale";
  EXPECT_EQ(pipeline_counts(*segment).processing_scan, 1u);
  EXPECT_EQ(pipeline_counts(*segment).scan_in_memory, 1u);
}

TEST(ScanRequests, SheddingFreesScansThatEndedLongAgo) {
  auto segment = make_segment();
  ScanRequests scans(*segment);
  const auto a = scans.launch("x", "1", "a", false, false, kNow).scan;
  (void)scans.launch("x", "2", "b", false, false, kNow);
  ASSERT_TRUE(scans.fail(a.ref, kNow));
  EXPECT_EQ(scans.shed(kDay, kNow + kDay), 0u);
  EXPECT_EQ(scans.shed(kDay, kNow + kDay + 1), 1u);
  EXPECT_FALSE(scans.get("x", "1"));
  EXPECT_TRUE(scans.get("x", "2")) << "unfinished scans stay";
}

TEST(ScanRequests, AFullTableRefusesClearly) {
  auto c = test::small_capacities();
  c.scan_requests = 2;
  auto segment = make_segment(c);
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", false, false, kNow);
  (void)scans.launch("x", "2", "b", false, false, kNow);
  try {
    (void)scans.launch("x", "3", "c", false, false, kNow);
    FAIL() << "a third scan fit in a table of 2";
  } catch (const CapacityError& e) {
    EXPECT_STREQ(e.what(), "the scan-request table is full (2 scans in memory); raise runtime.scan_requests");
  }
  EXPECT_EQ(segment->header().refusals.load(), 1u);
  EXPECT_THROW((void)scans.launch("X", "3", "c", false, false, kNow), PipelineError);
  EXPECT_THROW((void)scans.launch("x", "", "c", false, false, kNow), PipelineError);
}

}  // namespace
}  // namespace aotf::shm
