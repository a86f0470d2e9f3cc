// User requests as the HTTP API, the console and the step 1/2/3 workers see them.
#include <thread>

#include "pipeline_test_support.hpp"

namespace aotf::shm {
namespace {

using namespace std::chrono_literals;
using test::make_segment;

constexpr std::int64_t kNow = 1'700'000'000'000;
const IpLimit kLimit{2, {"127.0.0.1"}};

TEST(UserRequests, NamesAreTheApiStrings) {
  EXPECT_EQ(to_string(UserError::ProcessingError), "PROCESSING_ERROR");
  EXPECT_EQ(to_string(UserError::YourIpHasMaxProcessingRequests), "YOUR_IP_HAS_MAX_PROCESSING_REQUESTS");
  EXPECT_EQ(to_string(UserError::NoValidTwitterAccountFound), "NO_VALID_TWITTER_ACCOUNT_FOUND");
  EXPECT_EQ(to_string(UserError::NoSuchRequest), "NO_SUCH_REQUEST");
  EXPECT_EQ(to_string(UserError::None), "");
  for (int i = 1; i <= static_cast<int>(UserError::NoSuchRequest); ++i) {
    const auto e = static_cast<UserError>(i);
    ASSERT_FALSE(to_string(e).empty()) << i;
    EXPECT_EQ(parse_user_error(to_string(e)), e);
  }
  EXPECT_FALSE(parse_user_error("processing_error"));
  EXPECT_EQ(to_string(UserStatus::WaitLinkFinder), "WAIT_LINK_FINDER");
  EXPECT_EQ(to_string(UserStatus::WaitIndexAccounts), "WAIT_INDEX_ACCOUNTS_TWEETS");
  EXPECT_EQ(to_string(UserStatus::ReverseSearch), "IMAGE_REVERSE_SEARCH");
  EXPECT_EQ(to_string(UserStatus::End), "END");
  EXPECT_EQ(to_string(UserStatus::Null), "");
}

TEST(UserRequests, LaunchQueuesANewRequestAndReturnsTheSameOneAfterwards) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const auto first = users.launch("https://art.example/1", "10.0.0.1", kLimit, kNow);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.refused, UserError::None);
  EXPECT_EQ(first.request.status, UserStatus::WaitLinkFinder);
  EXPECT_EQ(first.request.created_ms, kNow);
  EXPECT_EQ(pipeline_counts(*segment).user_queue[0], 1u);

  const auto again = users.launch("https://art.example/1", "10.0.0.2", kLimit, kNow + 5);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.request.ref.slot, first.request.ref.slot);
  EXPECT_EQ(again.request.ip_address, "10.0.0.1");
  EXPECT_EQ(pipeline_counts(*segment).user_queue[0], 1u) << "not queued twice";
  EXPECT_FALSE(users.get("https://art.example/1/")) << "keys are exact strings";
  EXPECT_EQ(pipeline_counts(*segment).processing_user, 1u);
}

TEST(UserRequests, CensusCountsTheRequestsInMemoryByKindStatusAndError) {
  auto segment = make_segment();
  UserRequests users(*segment);
  (void)users.launch("https://art.example/1", "10.0.0.1", kLimit, kNow);
  (void)users.launch("https://art.example/2", "10.0.0.2", kLimit, kNow);
  const auto failed = users.launch("https://art.example/3", "10.0.0.3", kLimit, kNow);
  EXPECT_TRUE(users.fail(failed.request.ref, UserError::NotAnUrl, kNow));
  (void)users.launch_direct("0123456789abcdef0123456789abcdef", "", "10.0.0.4", kLimit, kNow);
  auto census = users.census();
  const auto count = [&](bool direct, UserStatus status, UserError error) -> std::size_t {
    for (const auto& c : census) {
      if (c.is_direct == direct && c.status == status && c.error == error) return c.count;
    }
    return 0;
  };
  EXPECT_EQ(census.size(), 3u);
  EXPECT_EQ(count(false, UserStatus::WaitLinkFinder, UserError::None), 2u);
  EXPECT_EQ(count(false, UserStatus::End, UserError::NotAnUrl), 1u);
  EXPECT_EQ(count(true, UserStatus::WaitReverseSearch, UserError::None), 1u);
}

TEST(UserRequests, PerIpLimitRefusesWithoutStoringAndTheBypassListPasses) {
  auto segment = make_segment();
  UserRequests users(*segment);
  ASSERT_TRUE(users.launch("https://a/1", "10.0.0.1", kLimit, kNow).created);
  ASSERT_TRUE(users.launch("https://a/2", "10.0.0.1", kLimit, kNow).created);
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 2u);
  const auto refused = users.launch("https://a/3", "10.0.0.1", kLimit, kNow);
  EXPECT_EQ(refused.refused, UserError::YourIpHasMaxProcessingRequests);
  EXPECT_EQ(refused.request.error, UserError::YourIpHasMaxProcessingRequests);
  EXPECT_EQ(refused.request.status, UserStatus::Null);
  EXPECT_FALSE(refused.created);
  EXPECT_FALSE(users.get("https://a/3")) << "a refused request is not stored";
  // An existing request is returned whatever the IP's count.
  EXPECT_FALSE(users.launch("https://a/1", "10.0.0.1", kLimit, kNow).refused != UserError::None);
  // Another address, the bypass list, and console requests (no IP) are not limited by 10.0.0.1.
  EXPECT_TRUE(users.launch("https://a/4", "10.0.0.2", kLimit, kNow).created);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(users.launch("https://b/" + std::to_string(i), "127.0.0.1", kLimit, kNow).created);
    EXPECT_TRUE(users.launch("https://c/" + std::to_string(i), "", kLimit, kNow).created);
  }
  // IPv6 text keys.
  EXPECT_TRUE(users.launch("https://d/1", "2001:db8::1", kLimit, kNow).created);
  EXPECT_EQ(users.unfinished_of("2001:db8::1"), 1u);
}

TEST(UserRequests, TheLimitCountsOnlyUnfinishedRequests) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const auto a = users.launch("https://a/1", "10.0.0.1", kLimit, kNow).request;
  ASSERT_TRUE(users.launch("https://a/2", "10.0.0.1", kLimit, kNow).created);
  EXPECT_EQ(users.launch("https://a/3", "10.0.0.1", kLimit, kNow).refused, UserError::YourIpHasMaxProcessingRequests);
  ASSERT_TRUE(users.fail(a.ref, UserError::NotAnUrl, kNow));
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u);
  EXPECT_TRUE(users.launch("https://a/3", "10.0.0.1", kLimit, kNow).created);
}

TEST(UserRequests, StatusesFollowTheStepsAndEndStampsTheTime) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const RequestRef ref = users.launch("https://a/1", "10.0.0.1", kLimit, kNow).request.ref;

  auto taken = users.pop(UserStep::LinkFinder, 10ms);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, UserStatus::LinkFinder) << "set with the pop";
  ASSERT_TRUE(users.set_link_finder_result(ref, {"https://img/1.png", "https://img/1.jpg"},
                                           {{"x", "artist", "12345"}, {"bluesky", "artist.bsky.social", "did:plc:abc"}},
                                           kNow - 1000));
  ASSERT_TRUE(users.next_step(ref, kNow));
  EXPECT_EQ(users.get(ref)->status, UserStatus::WaitIndexAccounts);
  EXPECT_FALSE(users.pop(UserStep::LinkFinder, 1ms));

  taken = users.pop(UserStep::IndexAccounts, 10ms);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, UserStatus::WaitIndexAccounts) << "step 2 changes the status itself";
  EXPECT_FALSE(taken->scans_launched);
  EXPECT_EQ(users.touch_indexer(ref, kNow + 1), 0);
  ASSERT_TRUE(users.next_step(ref, kNow));
  ASSERT_TRUE(users.set_scans(ref, {{RequestRef::Scan, 3, 1}}, true));
  EXPECT_FALSE(users.requeue_index_accounts(RequestRef{RequestRef::User, ref.slot, ref.generation + 1}));
  ASSERT_TRUE(users.requeue_index_accounts(ref));
  EXPECT_FALSE(users.requeue_index_accounts(ref)) << "already queued";
  taken = users.pop(UserStep::IndexAccounts, 10ms);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, UserStatus::IndexAccounts);
  EXPECT_TRUE(taken->scans_launched);
  EXPECT_TRUE(taken->has_first_time_scan);
  EXPECT_EQ(taken->scans.size(), 1u);
  EXPECT_EQ(users.touch_indexer(ref, kNow + 2), kNow + 1);
  ASSERT_TRUE(users.next_step(ref, kNow));
  EXPECT_EQ(users.get(ref)->status, UserStatus::WaitReverseSearch);

  taken = users.pop(UserStep::ReverseSearch, 10ms);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, UserStatus::ReverseSearch);
  ASSERT_TRUE(users.set_results(ref, {{"x", "111", "12345", 2, 4, 3}, {"bluesky", "3k2abc", "did:plc:abc", 1, 1, 5}}));
  EXPECT_EQ(segment->pipelines().user_processing, 1u);
  ASSERT_TRUE(users.next_step(ref, kNow + 60'000));
  const auto done = users.get("https://a/1");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, UserStatus::End);
  EXPECT_EQ(done->error, UserError::None);
  EXPECT_EQ(done->finished_ms, kNow + 60'000);
  ASSERT_EQ(done->image_urls.size(), 2u);
  EXPECT_EQ(done->image_urls[0], "https://img/1.png");
  ASSERT_EQ(done->accounts.size(), 2u);
  EXPECT_EQ(done->accounts[1].id, "did:plc:abc");
  EXPECT_EQ(done->published_ms, kNow - 1000);
  ASSERT_EQ(done->results.size(), 2u);
  EXPECT_EQ(done->results[0].post_id, "111");
  EXPECT_EQ(done->results[0].image_position, 2);
  EXPECT_EQ(done->results[0].images_count, 4);
  EXPECT_EQ(done->results[1].distance, 5);
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 0u);
  EXPECT_EQ(pipeline_counts(*segment).processing_user, 0u);
  EXPECT_FALSE(users.next_step(ref, kNow)) << "nothing after END";

  const std::string text = describe(*done, {std::nullopt});
  EXPECT_NE(text.find("Status: 6 END"), std::string::npos) << text;
  EXPECT_NE(text.find("@artist (x ID 12345)"), std::string::npos) << text;
  EXPECT_NE(text.find("x post 111 of account 12345, image 2/4, distance 3"), std::string::npos) << text;
  EXPECT_NE(text.find("Finished: 2023-11-14 22:14:20 UTC"), std::string::npos) << text;
}

TEST(UserRequests, FailEndsOnceEvenWhenCalledTwice) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const auto a = users.launch("https://a/1", "10.0.0.1", kLimit, kNow).request;
  const auto b = users.launch("https://a/2", "10.0.0.1", kLimit, kNow).request;
  ASSERT_TRUE(users.pop(UserStep::LinkFinder, 10ms));
  EXPECT_TRUE(users.fail(a.ref, UserError::ProcessingError, kNow + 10));
  EXPECT_FALSE(users.fail(a.ref, UserError::ProcessingError, kNow + 20));
  EXPECT_FALSE(users.fail(a.ref, UserError::NotAnUrl, kNow + 30));
  EXPECT_FALSE(users.next_step(a.ref, kNow + 40));
  const auto ended = users.get(a.ref);
  EXPECT_EQ(ended->status, UserStatus::End);
  EXPECT_EQ(ended->error, UserError::ProcessingError) << "the first code stays";
  EXPECT_EQ(ended->finished_ms, kNow + 10);
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u) << "decremented once, b still counts";
  EXPECT_EQ(pipeline_counts(*segment).processing_user, 1u);
  // Failing a queued request takes it out of its queue.
  EXPECT_TRUE(users.fail(b.ref, UserError::ProcessingError, kNow));
  EXPECT_EQ(pipeline_counts(*segment).user_queue[0], 0u);
  EXPECT_FALSE(users.pop(UserStep::LinkFinder, 1ms));
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 0u);
  EXPECT_EQ(pipeline_counts(*segment).ip_counters, 0u);
}

TEST(UserRequests, QueuesAreFifoAndAnEmptyPopTimesOut) {
  auto segment = make_segment();
  UserRequests users(*segment);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(users.launch("https://a/" + std::to_string(i), "", kLimit, kNow).created);
  for (int i = 0; i < 5; ++i) {
    const auto r = users.pop(UserStep::LinkFinder, 10ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->input_url, "https://a/" + std::to_string(i));
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(users.pop(UserStep::LinkFinder, 300ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 3s);
}

TEST(UserRequests, ABlockedPopWakesWhenARequestArrivesAndReturnsOnceStopped) {
  auto segment = make_segment();
  UserRequests users(*segment);
  std::optional<UserRequestSnapshot> got;
  std::thread worker([&] { got = users.pop(UserStep::LinkFinder, 20s); });
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(users.launch("https://a/1", "", kLimit, kNow).created);
  worker.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->input_url, "https://a/1");

  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] { got = users.pop(UserStep::ReverseSearch, 60s); });
  std::this_thread::sleep_for(50ms);
  segment->stop();
  waiter.join();
  EXPECT_FALSE(got);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the stop flag ends the wait";
}

TEST(UserRequests, SheddingKeepsFinishedRequestsForTheirRetention) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const UserRetention keep{3000, 100, 1000};
  auto end_with = [&](const std::string& url, UserError error) {
    const auto r = users.launch(url, "", kLimit, kNow).request;
    EXPECT_TRUE(users.fail(r.ref, error, kNow));
  };
  auto ok = users.launch("https://ok", "", kLimit, kNow).request;
  users.next_step(ok.ref, kNow);  // through the statuses to END without a problem
  users.next_step(ok.ref, kNow);
  users.next_step(ok.ref, kNow);
  users.next_step(ok.ref, kNow);
  users.next_step(ok.ref, kNow);
  users.next_step(ok.ref, kNow);
  ASSERT_EQ(users.get(ok.ref)->status, UserStatus::End);
  end_with("https://not-url", UserError::NotAnUrl);
  end_with("https://not-art", UserError::NotAnArtworkPage);
  end_with("https://unsupported", UserError::UnsupportedWebsite);
  end_with("https://processing", UserError::ProcessingError);
  const auto direct = users.launch_direct("0123456789abcdef0123456789abcdef", "", "", kLimit, kNow).request;
  ASSERT_TRUE(users.fail(direct.ref, UserError::ErrorDuringReverseSearch, kNow));
  ASSERT_TRUE(users.launch("https://unfinished", "", kLimit, kNow - 1'000'000).created);

  EXPECT_EQ(users.shed(keep, kNow + 100), 0u);
  EXPECT_EQ(users.shed(keep, kNow + 101), 4u);
  EXPECT_FALSE(users.get("https://not-url"));
  EXPECT_FALSE(users.get_direct("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(users.get("https://processing"));
  EXPECT_EQ(users.shed(keep, kNow + 1001), 1u);
  EXPECT_FALSE(users.get("https://processing"));
  EXPECT_TRUE(users.get("https://ok"));
  EXPECT_EQ(users.shed(keep, kNow + 3001), 1u);
  EXPECT_FALSE(users.get("https://ok"));
  EXPECT_EQ(users.shed(keep, kNow + 1'000'000'000), 0u);
  EXPECT_TRUE(users.get("https://unfinished")) << "unfinished requests are never shed";
  EXPECT_FALSE(users.get(ok.ref)) << "a shed slot's old ref is stale";
  const auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.user_in_memory, 1u);
  EXPECT_EQ(counts.direct_in_memory, 0u);
}

TEST(UserRequests, AFullTableRefusesClearlyAndSheddingMakesRoom) {
  auto c = test::small_capacities();
  c.user_requests = 4;
  auto segment = make_segment(c);
  UserRequests users(*segment);
  std::vector<RequestRef> refs;
  for (int i = 0; i < 4; ++i) refs.push_back(users.launch("https://a/" + std::to_string(i), "", kLimit, kNow).request.ref);
  const auto before = segment->header().refusals.load();
  try {
    (void)users.launch("https://a/4", "10.0.0.9", kLimit, kNow);
    FAIL() << "a fifth request fit in a table of 4";
  } catch (const CapacityError& e) {
    EXPECT_NE(std::string(e.what()).find("user-request table is full (4 requests"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("runtime.user_requests"), std::string::npos) << e.what();
  }
  EXPECT_EQ(segment->header().refusals.load(), before + 1);
  EXPECT_EQ(users.unfinished_of("10.0.0.9"), 0u) << "a refusal counts nothing";
  ASSERT_TRUE(users.fail(refs[0], UserError::NotAnUrl, kNow));
  EXPECT_EQ(users.shed(UserRetention{}, kNow + 3'600'000), 1u);
  const auto fifth = users.launch("https://a/4", "10.0.0.9", kLimit, kNow);
  EXPECT_TRUE(fifth.created);
  EXPECT_EQ(fifth.request.ref.slot, refs[0].slot);
  EXPECT_NE(fifth.request.ref.generation, refs[0].generation);
}

TEST(UserRequests, DirectRequestsGoStraightToStep3AndMatchTheirAccount) {
  auto segment = make_segment();
  UserRequests users(*segment);
  const auto a = users.launch_direct("https://img.example/q.png", "artist", "10.0.0.1", kLimit, kNow);
  ASSERT_TRUE(a.created);
  EXPECT_TRUE(a.request.is_direct);
  EXPECT_EQ(a.request.status, UserStatus::WaitReverseSearch);
  ASSERT_EQ(a.request.image_urls.size(), 1u);
  EXPECT_EQ(a.request.image_urls[0], "https://img.example/q.png");
  ASSERT_EQ(a.request.accounts.size(), 1u);
  EXPECT_EQ(a.request.accounts[0].name, "artist");
  const std::string text = describe(a.request, {});
  EXPECT_NE(text.find("  artist (as given; resolved by the search)"), std::string::npos) << text;
  EXPECT_EQ(pipeline_counts(*segment).user_queue[2], 1u);
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u);
  // Same key and account: the same request. A normal request with the same string is another one.
  EXPECT_FALSE(users.launch_direct("https://img.example/q.png", "artist", "10.0.0.1", kLimit, kNow).created);
  EXPECT_FALSE(users.get("https://img.example/q.png"));
  // Another account while it runs: refused with a reason; once it ended, a new request.
  EXPECT_THROW((void)users.launch_direct("https://img.example/q.png", "other", "", kLimit, kNow), PipelineError);
  ASSERT_TRUE(users.fail(a.request.ref, UserError::CannotGetImage, kNow));
  const auto b = users.launch_direct("https://img.example/q.png", "other", "", kLimit, kNow);
  EXPECT_TRUE(b.created);
  EXPECT_EQ(b.request.accounts[0].name, "other");
  // A whole-database request (no account) matches any account; identifiers have no image URL.
  const auto c = users.launch_direct("0123456789abcdef0123456789abcdef", "", "", kLimit, kNow);
  EXPECT_TRUE(c.request.image_urls.empty());
  EXPECT_FALSE(users.launch_direct("0123456789abcdef0123456789abcdef", "someone", "", kLimit, kNow).created);
  auto popped = users.pop(UserStep::ReverseSearch, 10ms);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->ref.generation, b.request.ref.generation) << "the ended one left the queue";
  EXPECT_EQ(popped->accounts[0].name, "other");
  popped = users.pop(UserStep::ReverseSearch, 10ms);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->input_url, "0123456789abcdef0123456789abcdef");
  EXPECT_FALSE(users.pop(UserStep::ReverseSearch, 1ms));
}

TEST(UserRequests, BadInputIsRefusedNamingTheField) {
  auto segment = make_segment();
  UserRequests users(*segment);
  auto message = [](const auto& f) {
    try {
      f();
    } catch (const PipelineError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { (void)users.launch(std::string(1025, 'u'), "", kLimit, kNow); }),
            "input URL is 1025 bytes long; at most 1024 are kept");
  EXPECT_TRUE(users.launch(std::string(1024, 'u'), "", kLimit, kNow).created);
  EXPECT_EQ(message([&] { (void)users.launch("", "", kLimit, kNow); }), "input URL is empty");
  EXPECT_EQ(message([&] { (void)users.launch(std::string("a\0b", 3), "", kLimit, kNow); }),
            "input URL contains a NUL byte");
  EXPECT_EQ(message([&] { (void)users.launch("https://a", std::string(64, '1'), kLimit, kNow); }),
            "IP address is 64 bytes long; at most 63 are kept");
  const RequestRef ref = users.launch("https://a", "", kLimit, kNow).request.ref;
  EXPECT_EQ(message([&] { users.set_link_finder_result(ref, {}, {{"X", "n", "1"}}, 0); }),
            "account 1 platform \"X\" may only hold lowercase letters, digits, '_' and '-'");
  EXPECT_EQ(message([&] { users.set_link_finder_result(ref, {}, {{"x", "n", ""}}, 0); }), "account 1 (@n) has no ID");
  EXPECT_EQ(message([&] { users.set_link_finder_result(ref, {"a", "b", "c", "d", "e"}, {}, 0); }),
            "a user request keeps at most 4 image URLs, got 5");
  EXPECT_EQ(message([&] { users.set_image_urls(ref, {"ok", std::string(600, 'i')}); }),
            "image URL 2 is 600 bytes long; at most 511 are kept");
  EXPECT_EQ(message([&] { users.set_results(ref, {{"x", "1", "2", 5, 4, 0}}); }),
            "result 1 has image 5/4; positions and counts are 1 to 4");
  std::vector<Account> many(17, Account{"x", "n", "1"});
  EXPECT_EQ(message([&] { users.set_link_finder_result(ref, {}, many, 0); }),
            "a user request keeps at most 16 accounts, got 17");
}

TEST(UserRequests, TheStep2MutexIsSharedByEveryView) {
  auto segment = make_segment();
  UserRequests a(*segment), b(*segment);
  EXPECT_EQ(&a.step2_first_visit_mutex(), &b.step2_first_visit_mutex());
  RobustLock lock(a.step2_first_visit_mutex());
  EXPECT_EQ(pthread_mutex_trylock(b.step2_first_visit_mutex().native()), EBUSY);
}

}  // namespace
}  // namespace aotf::shm
