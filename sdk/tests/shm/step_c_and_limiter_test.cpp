// The step C queue with its indexing slots, and the HTTP rate limiter.
#include <thread>

#include "pipeline_test_support.hpp"

namespace aotf::shm {
namespace {

using namespace std::chrono_literals;
using test::make_segment;

PostToIndex post(const std::string& id, const std::string& account = "42") {
  return {"x", id, account, {"https://pbs.example/" + id + "_1.jpg", "https://pbs.example/" + id + "_2.png"}, false,
          false};
}

TEST(StepCQueue, PostsAndCursorInstructionsComeOutInOrderWithEveryField) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  queue.push(post("1"));
  PostToIndex retried = post("2");
  retried.force_index = true;
  retried.was_failed_post = true;
  queue.push(retried);
  queue.push(CursorInstruction{Listing::Timeline, "1790000000000000000", {RequestRef::Scan, 5, 9}, "x", "42", "artist"});
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(pipeline_counts(*segment).step_c, 3u);

  auto a = queue.pop_and_declare("thread_step_C_th1", true, 10ms);
  ASSERT_TRUE(a.item);
  EXPECT_FALSE(a.crashed);
  EXPECT_EQ(a.item->kind, StepCItem::Post);
  EXPECT_EQ(a.item->post.post_id, "1");
  EXPECT_EQ(a.item->post.image_urls, (std::vector<std::string>{"https://pbs.example/1_1.jpg", "https://pbs.example/1_2.png"}));
  EXPECT_FALSE(a.item->post.force_index);
  auto b = queue.pop_and_declare("thread_step_C_th1", false, 10ms);
  ASSERT_TRUE(b.item);
  EXPECT_TRUE(b.item->post.force_index);
  EXPECT_TRUE(b.item->post.was_failed_post);
  auto c = queue.pop_and_declare("thread_step_C_th1", false, 10ms);
  ASSERT_TRUE(c.item);
  ASSERT_EQ(c.item->kind, StepCItem::Cursor);
  EXPECT_EQ(c.item->cursor.listing, Listing::Timeline);
  EXPECT_EQ(c.item->cursor.cursor, "1790000000000000000");
  EXPECT_EQ(c.item->cursor.scan.slot, 5u);
  EXPECT_EQ(c.item->cursor.scan.generation, 9u);
  EXPECT_EQ(c.item->cursor.account_name, "artist");
  EXPECT_TRUE(queue.indexing_snapshot().empty()) << "an instruction clears the slot";

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.pop_and_declare("thread_step_C_th1", false, 200ms).item);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST(StepCQueue, ThePoppedPostIsDeclaredUntilClearedOrReplaced) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  queue.push(post("1", "42"));
  queue.push(post("2", "42"));
  queue.push(post("3", "77"));
  (void)queue.pop_and_declare("c_th1", true, 1ms);
  (void)queue.pop_and_declare("c_th2", true, 1ms);
  auto snapshot = queue.indexing_snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].worker, "c_th1");
  EXPECT_EQ(snapshot[0].post.post_id, "1");
  EXPECT_TRUE(queue.still_indexing(snapshot[0], "x", "42"));
  EXPECT_FALSE(queue.still_indexing(snapshot[0], "x", "77")) << "another account's post";
  queue.clear("c_th1");
  EXPECT_FALSE(queue.still_indexing(snapshot[0], "x", "42"));
  EXPECT_TRUE(queue.still_indexing(snapshot[1], "x", "42"));
  (void)queue.pop_and_declare("c_th2", false, 1ms);  // moves on to post 3
  EXPECT_FALSE(queue.still_indexing(snapshot[1], "x", "42"));
  EXPECT_EQ(queue.indexing_snapshot().at(0).post.post_id, "3");
}

TEST(StepCQueue, WaitForAccountPostsReturnsOnceTheWorkersMovedOn) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  queue.push(post("1", "42"));
  (void)queue.pop_and_declare("c_th1", true, 1ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.wait_for_account_posts("x", "42", 200ms)) << "still on it: times out";
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_TRUE(queue.wait_for_account_posts("x", "77", 1ms)) << "nothing of that account in progress";
  std::thread worker([&] {
    std::this_thread::sleep_for(100ms);
    queue.clear("c_th1");
  });
  EXPECT_TRUE(queue.wait_for_account_posts("x", "42", 20s));
  worker.join();
}

TEST(StepCQueue, TheFirstPopAfterARestartReturnsThePostLeftHalfIndexed) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  queue.push(post("1"));
  queue.push(post("2"));
  (void)queue.pop_and_declare("c_th1", true, 1ms);  // the worker dies while indexing post 1
  auto restarted = queue.pop_and_declare("c_th1", true, 1ms);
  ASSERT_TRUE(restarted.crashed);
  EXPECT_EQ(restarted.crashed->post_id, "1");
  EXPECT_EQ(restarted.crashed->account_id, "42");
  ASSERT_TRUE(restarted.item);
  EXPECT_EQ(restarted.item->post.post_id, "2");
  queue.clear("c_th1");
  EXPECT_FALSE(queue.pop_and_declare("c_th1", true, 1ms).crashed) << "a cleared slot is not a crash";
}

TEST(StepCQueue, AFullQueueWaitsForRoomThenRefuses) {
  auto c = test::small_capacities();
  c.step_c_queue = 4;
  auto segment = make_segment(c);
  StepCQueue queue(*segment);
  for (int i = 0; i < 4; ++i) queue.push(post(std::to_string(i)));
  const auto start = std::chrono::steady_clock::now();
  try {
    queue.push(post("4"), 200ms);
    FAIL() << "a fifth item fit in a queue of 4";
  } catch (const CapacityError& e) {
    EXPECT_STREQ(e.what(), "the step C queue is full (4 posts waiting to be indexed); raise runtime.step_c_queue");
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(segment->header().refusals.load(), 1u);
  std::thread consumer([&] {
    std::this_thread::sleep_for(100ms);
    (void)queue.pop_and_declare("c_th1", true, 1ms);
  });
  queue.push(post("4"), 20s);  // waits for the consumer
  consumer.join();
  EXPECT_EQ(queue.size(), 4u);
  for (const char* id : {"1", "2", "3", "4"}) EXPECT_EQ(queue.pop_and_declare("c_th1", false, 1ms).item->post.post_id, id);
}

TEST(StepCQueue, APageOfPostsIsCheckedWholeThenPushedInOrder) {
  auto c = test::small_capacities();
  c.step_c_queue = 8;
  auto segment = make_segment(c);
  StepCQueue queue(*segment);
  std::vector<PostToIndex> page;
  for (int i = 0; i < 20; ++i) page.push_back(post(std::to_string(i)));
  page[19].image_urls.clear();
  EXPECT_THROW(queue.push(page), PipelineError);
  EXPECT_EQ(queue.size(), 0u) << "nothing pushed when one post is bad";
  page[19] = post("19");
  std::vector<std::string> seen;
  std::thread consumer([&] {
    while (seen.size() < 20) {
      auto popped = queue.pop_and_declare("c_th1", seen.empty(), 5s);
      if (!popped.item) return;
      seen.push_back(popped.item->post.post_id);
    }
  });
  queue.push(page, 20s);  // more than the queue holds: waits for the consumer
  consumer.join();
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], std::to_string(i));
}

TEST(StepCQueue, BadPostsAreRefusedNamingTheField) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  PostToIndex p = post("1");
  p.image_urls.assign(5, "https://i/1.jpg");
  EXPECT_THROW(queue.push(p), PipelineError);
  p.image_urls.clear();
  EXPECT_THROW(queue.push(p), PipelineError);
  p.image_urls.assign(3, std::string(400, 'i'));
  try {
    queue.push(p);
    FAIL();
  } catch (const PipelineError& e) {
    EXPECT_STREQ(e.what(), "the image URLs of post 1 take 1203 bytes together; at most 1020 are kept");
  }
  p = post(std::string(128, '9'));
  EXPECT_THROW(queue.push(p), PipelineError);
  EXPECT_THROW(queue.push(CursorInstruction{Listing::Search, std::string(200, 'c'), {}, "x", "1", "a"}), PipelineError);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(StepCQueue, ABlueskyPostIdentifiedByItsAtUriIsQueued) {
  auto segment = make_segment();
  StepCQueue queue(*segment);
  const std::string uri = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kgq2xq7yxk2c";
  queue.push(post(uri));
  const StepCPop popped = queue.pop_and_declare("stepC_index_posts_th1", false, std::chrono::milliseconds(100));
  ASSERT_TRUE(popped.item.has_value());
  EXPECT_EQ(popped.item->post.post_id, uri);
}

TEST(RateLimiter, OneAcceptedRequestPerIntervalAndRefusalsDoNotReset) {
  auto segment = make_segment();
  RateLimiter limiter(*segment);
  EXPECT_TRUE(limiter.allow("10.0.0.1", 10'000));
  EXPECT_FALSE(limiter.allow("10.0.0.1", 10'500));
  EXPECT_FALSE(limiter.allow("10.0.0.1", 10'999));
  EXPECT_FALSE(limiter.allow("10.0.0.1", 11'000)) << "more than the interval is needed";
  EXPECT_TRUE(limiter.allow("10.0.0.1", 11'001)) << "measured from the last accepted one";
  EXPECT_TRUE(limiter.allow("2001:db8::1", 11'001)) << "addresses are independent";
  EXPECT_FALSE(limiter.allow("10.0.0.1", 11'500, 1000));
  EXPECT_TRUE(limiter.allow("10.0.0.1", 11'500, 100)) << "configurable interval";
  EXPECT_EQ(limiter.size(), 2u);
  limiter.clear();
  EXPECT_EQ(limiter.size(), 0u);
  EXPECT_TRUE(limiter.allow("10.0.0.1", 11'501));
  EXPECT_TRUE(limiter.allow(std::string(300, 'f'), 0)) << "a garbage X-Forwarded-For is cut, not refused";
  EXPECT_FALSE(limiter.allow(std::string(300, 'f'), 1));
}

TEST(RateLimiter, AFloodOfAddressesEvictsTheOldestInsteadOfDenyingService) {
  auto c = test::small_capacities();
  c.ip_addresses = 8;
  auto segment = make_segment(c);
  RateLimiter limiter(*segment);
  EXPECT_TRUE(limiter.allow("10.0.0.1", 1000));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.allow("192.0.2." + std::to_string(i), 1000 + i));
  // The table holds at most 3/4 of its capacity and frees its oldest quarter at once.
  EXPECT_GE(limiter.size(), 4u);
  EXPECT_LE(limiter.size(), 6u);
  EXPECT_TRUE(limiter.allow("198.51.100.1", 1200)) << "a new address still gets in";
  EXPECT_FALSE(limiter.allow("192.0.2.99", 1200)) << "recent addresses are still limited";
  EXPECT_TRUE(limiter.allow("10.0.0.1", 1200)) << "the oldest was evicted";
}

TEST(RateLimiter, RecentAddressesStayLimitedThroughEvictions) {
  auto c = test::small_capacities();
  c.ip_addresses = 64;
  auto segment = make_segment(c);
  RateLimiter limiter(*segment);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.allow("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), i));
  EXPECT_LE(limiter.size(), 48u);
  // The newest 36 (3/4 of 48) always survive an eviction and are found again.
  for (int i = 1000 - 36; i < 1000; ++i) {
    EXPECT_FALSE(limiter.allow("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), 1000)) << i;
  }
  EXPECT_TRUE(limiter.allow("10.1.0.0", 1000)) << "the oldest was evicted";
}

}  // namespace
}  // namespace aotf::shm
