// The pipelines across processes, as container processes use them: concurrent producers and
// consumers lose and duplicate nothing, and a process SIGKILLed half way through an update, with
// a lock held, leaves every structure usable and consistent.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "pipeline_test_support.hpp"

namespace aotf::shm {
namespace {

using namespace std::chrono_literals;
using test::exited_ok;
using test::killed;
using test::run_child;
using test::start_child;
using test::unique_instance;
using fault_injection::CrashPoint;

constexpr std::int64_t kNow = 1'700'000'000'000;
const IpLimit kLimit{10, {}};

std::string temp_path(const std::string& tag) {
  return testing::TempDir() + "/" + unique_instance() + "_" + tag;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::remove(path.c_str());
  return lines;
}

TEST(PipelinesAcrossProcesses, StepCProducersAndConsumersLoseAndDuplicateNothing) {
  auto c = test::small_capacities();
  c.step_c_queue = 64;  // small, so producers also wait for room
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, c);
  constexpr int kPerProducer = 3000;
  std::vector<pid_t> children;
  std::vector<std::string> outputs;
  for (int consumer = 0; consumer < 2; ++consumer) {
    outputs.push_back(temp_path("consumer" + std::to_string(consumer)));
    const std::string out = outputs.back();
    const std::string worker = "c_th" + std::to_string(consumer + 1);
    children.push_back(start_child(instance, [out, worker](Segment& s) {
      StepCQueue queue(s);
      std::ofstream file(out);
      bool first = true;
      // Runs until the parent stops the daemon and the queue is drained.
      for (;;) {
        auto popped = queue.pop_and_declare(worker, first, 200ms);
        first = false;
        if (!popped.item) {
          if (!s.running()) break;
          continue;
        }
        file << popped.item->post.post_id << "\n";
        queue.clear(worker);
      }
      return true;
    }));
  }
  for (int producer = 0; producer < 2; ++producer) {
    children.push_back(start_child(instance, [producer](Segment& s) {
      StepCQueue queue(s);
      for (int i = 0; i < kPerProducer; ++i) {
        queue.push(PostToIndex{"x", std::to_string(producer) + "_" + std::to_string(i), "42", {"https://i/1.jpg"}},
                   20s);
      }
      return true;
    }));
  }
  for (std::size_t i = 2; i < children.size(); ++i) {
    int status = 0;
    ::waitpid(children[i], &status, 0);
    EXPECT_TRUE(exited_ok(status)) << "producer " << i;
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (StepCQueue(*segment).size() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  segment->stop();
  for (std::size_t i = 0; i < 2; ++i) {
    int status = 0;
    ::waitpid(children[i], &status, 0);
    EXPECT_TRUE(exited_ok(status)) << "consumer " << i;
  }
  std::multiset<std::string> seen;
  std::vector<std::vector<int>> order(2);
  for (const auto& path : outputs) {
    std::vector<int> last(2, -1);
    for (const auto& id : read_lines(path)) {
      seen.insert(id);
      const int producer = id[0] - '0';
      const int n = std::stoi(id.substr(2));
      EXPECT_GT(n, last[producer]) << "each producer's posts come out in order";
      last[producer] = n;
    }
  }
  EXPECT_EQ(seen.size(), 2u * kPerProducer);
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < kPerProducer; ++i) {
      EXPECT_EQ(seen.count(std::to_string(p) + "_" + std::to_string(i)), 1u) << p << "_" << i;
    }
  }
}

TEST(PipelinesAcrossProcesses, UserRequestsLaunchedAndPoppedByManyProcessesAreTakenOnce) {
  const std::string instance = unique_instance();
  auto c = test::small_capacities();
  c.user_requests = 512;
  auto segment = Segment::create(instance, c);
  constexpr int kUrls = 300;
  std::vector<pid_t> children;
  std::vector<std::string> outputs;
  for (int consumer = 0; consumer < 2; ++consumer) {
    outputs.push_back(temp_path("step1_" + std::to_string(consumer)));
    const std::string out = outputs.back();
    children.push_back(start_child(instance, [out](Segment& s) {
      UserRequests users(s);
      std::ofstream file(out);
      for (;;) {
        auto r = users.pop(UserStep::LinkFinder, 200ms);
        if (!r) {
          if (!s.running()) break;
          continue;
        }
        if (r->status != UserStatus::LinkFinder) return false;
        file << r->input_url << "\n";
        if (!users.next_step(r->ref, kNow)) return false;
      }
      return true;
    }));
  }
  // Two launchers submit the same URLs (users resubmitting): each is created once.
  for (int launcher = 0; launcher < 2; ++launcher) {
    children.push_back(start_child(instance, [](Segment& s) {
      UserRequests users(s);
      for (int i = 0; i < kUrls; ++i) {
        if (users.launch("https://art/" + std::to_string(i), "", kLimit, kNow).refused != UserError::None) return false;
      }
      return true;
    }));
  }
  for (std::size_t i = 2; i < children.size(); ++i) {
    int status = 0;
    ::waitpid(children[i], &status, 0);
    EXPECT_TRUE(exited_ok(status));
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (pipeline_counts(*segment).user_queue[0] > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  segment->stop();
  for (std::size_t i = 0; i < 2; ++i) {
    int status = 0;
    ::waitpid(children[i], &status, 0);
    EXPECT_TRUE(exited_ok(status));
  }
  std::multiset<std::string> seen;
  for (const auto& path : outputs) {
    for (const auto& url : read_lines(path)) seen.insert(url);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kUrls));
  for (int i = 0; i < kUrls; ++i) EXPECT_EQ(seen.count("https://art/" + std::to_string(i)), 1u);
  const auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.user_in_memory, static_cast<std::size_t>(kUrls));
  EXPECT_EQ(counts.user_queue[1], static_cast<std::size_t>(kUrls)) << "every one moved on to queue 2";
  EXPECT_EQ(counts.processing_user, static_cast<std::size_t>(kUrls));
}

// --- a holder killed with the lock held ----------------------------------------------------------

// The child attaches, arms the crash point and runs `op`, which must kill it.
void die_at(const std::string& instance, CrashPoint point, const std::function<void(Segment&)>& op) {
  const int status = run_child(instance, [&](Segment& s) {
    fault_injection::crash_at(point);
    op(s);
    return false;  // the crash point was not reached
  });
  ASSERT_TRUE(killed(status)) << "the child was expected to die at the crash point";
}

TEST(PipelinesAfterAKill, AHalfInsertedUserRequestIsDroppedAndCountsStayExact) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  UserRequests users(*segment);
  ASSERT_TRUE(users.launch("https://art/kept", "10.0.0.1", kLimit, kNow).created);
  die_at(instance, CrashPoint::UserInsertBeforePublish,
         [](Segment& s) { (void)UserRequests(s).launch("https://art/lost", "10.0.0.1", kLimit, kNow); });
  EXPECT_FALSE(users.get("https://art/lost"));
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u) << "recounted from the stored requests";
  auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.processing_user, 1u);
  EXPECT_EQ(counts.user_in_memory, 1u);
  EXPECT_EQ(counts.user_queue[0], 1u);
  EXPECT_TRUE(users.launch("https://art/lost", "10.0.0.1", kLimit, kNow).created) << "usable again";
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 2u);
}

TEST(PipelinesAfterAKill, AUserRequestPoppedByAProcessThatDiedIsQueuedAgainInOrder) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  UserRequests users(*segment);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(users.launch("https://art/" + std::to_string(i), "", kLimit, kNow).created);
  die_at(instance, CrashPoint::UserPopAfterHead, [](Segment& s) { (void)UserRequests(s).pop(UserStep::LinkFinder, 1s); });
  EXPECT_EQ(pipeline_counts(*segment).user_queue[0], 3u);
  for (int i = 0; i < 3; ++i) {
    const auto r = users.pop(UserStep::LinkFinder, 10ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->input_url, "https://art/" + std::to_string(i));
  }
}

TEST(PipelinesAfterAKill, AnEndInterruptedBeforeItsCountsIsCompletedOnce) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  UserRequests users(*segment);
  const RequestRef ref = users.launch("https://art/1", "10.0.0.1", kLimit, kNow).request.ref;
  ASSERT_TRUE(users.launch("https://art/2", "10.0.0.1", kLimit, kNow).created);
  die_at(instance, CrashPoint::UserEndBeforeCounts,
         [ref](Segment& s) { (void)UserRequests(s).fail(ref, UserError::ProcessingError, kNow); });
  const auto r = users.get(ref);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, UserStatus::End);
  EXPECT_EQ(r->error, UserError::ProcessingError);
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u);
  EXPECT_EQ(pipeline_counts(*segment).processing_user, 1u);
  EXPECT_FALSE(users.fail(ref, UserError::ProcessingError, kNow)) << "the END happened already";
  EXPECT_EQ(users.unfinished_of("10.0.0.1"), 1u);
  EXPECT_EQ(pipeline_counts(*segment).user_queue[0], 1u) << "only art/2 is still queued";
}

TEST(PipelinesAfterAKill, AnInterruptedPromotionIsCompleted) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", false, false, kNow);
  (void)scans.launch("x", "2", "b", false, false, kNow);
  die_at(instance, CrashPoint::ScanPromoteMidMove,
         [](Segment& s) { (void)ScanRequests(s).launch("x", "2", "b", true, false, kNow); });
  const auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.search_priority, 1u);
  EXPECT_EQ(counts.search_normal, 1u);
  EXPECT_EQ(counts.timeline_priority, 1u);
  EXPECT_EQ(counts.timeline_normal, 1u);
  EXPECT_EQ(scans.pop(Listing::Search, 1ms)->account_id, "2");
  EXPECT_EQ(scans.pop(Listing::Search, 1ms)->account_id, "1");
  EXPECT_EQ(scans.pop(Listing::Timeline, 1ms)->account_id, "2");
  EXPECT_EQ(scans.pop(Listing::Timeline, 1ms)->account_id, "1");
}

TEST(PipelinesAfterAKill, AScanPoppedByAProcessThatDiedIsListedByAnother) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  ScanRequests scans(*segment);
  (void)scans.launch("x", "1", "a", true, false, kNow);
  die_at(instance, CrashPoint::ScanPopAfterHead, [](Segment& s) { (void)ScanRequests(s).pop(Listing::Search, 1s); });
  const auto again = scans.pop(Listing::Search, 10ms);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->account_id, "1");
  EXPECT_TRUE(again->started_search);
  EXPECT_EQ(pipeline_counts(*segment).processing_scan, 1u);
}

TEST(PipelinesAfterAKill, AStepCWorkerKilledMidPopFindsItsPostOnRestart) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  StepCQueue queue(*segment);
  queue.push(PostToIndex{"x", "1", "42", {"https://i/1.jpg"}});
  queue.push(PostToIndex{"x", "2", "42", {"https://i/2.jpg"}});
  die_at(instance, CrashPoint::StepCPopAfterDeclare,
         [](Segment& s) { (void)StepCQueue(s).pop_and_declare("c_th1", true, 1s); });
  EXPECT_EQ(queue.size(), 2u) << "the post was not taken: it is indexed again, never lost";
  const auto restarted = queue.pop_and_declare("c_th1", true, 10ms);
  ASSERT_TRUE(restarted.crashed);
  EXPECT_EQ(restarted.crashed->post_id, "1");
  ASSERT_TRUE(restarted.item);
  EXPECT_EQ(restarted.item->post.post_id, "1");
}

TEST(PipelinesAfterAKill, AHalfPushedStepCItemIsNotSeen) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  StepCQueue queue(*segment);
  die_at(instance, CrashPoint::StepCPushBeforePublish,
         [](Segment& s) { StepCQueue(s).push(PostToIndex{"x", "1", "42", {"https://i/1.jpg"}}); });
  EXPECT_EQ(queue.size(), 0u);
  queue.push(PostToIndex{"x", "2", "42", {"https://i/2.jpg"}});
  EXPECT_EQ(queue.pop_and_declare("c_th1", true, 10ms).item->post.post_id, "2");
}

TEST(PipelinesAfterAKill, AHalfInsertedLimiterEntryIsDropped) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  RateLimiter limiter(*segment);
  ASSERT_TRUE(limiter.allow("10.0.0.1", 1000));
  die_at(instance, CrashPoint::LimiterInsertBeforePublish,
         [](Segment& s) { (void)RateLimiter(s).allow("10.0.0.2", 1000); });
  EXPECT_EQ(limiter.size(), 1u);
  EXPECT_TRUE(limiter.allow("10.0.0.2", 1001));
  EXPECT_FALSE(limiter.allow("10.0.0.1", 1001));
}

// A process that dies while simply holding each lock: the others go on.
TEST(PipelinesAfterAKill, EveryLockHeldByAKilledProcessIsRecovered) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  PipelineState& s = segment->pipelines();
  for (RobustMutex* mutex : {&s.user_mutex, &s.step2_mutex, &s.scan_mutex, &s.step_c_mutex, &s.limiter_mutex}) {
    const std::ptrdiff_t offset = reinterpret_cast<std::byte*>(mutex) - reinterpret_cast<std::byte*>(&s);
    const int status = run_child(instance, [offset](Segment& child) {
      auto* m = reinterpret_cast<RobustMutex*>(reinterpret_cast<std::byte*>(&child.pipelines()) + offset);
      m->lock();
      ::raise(SIGKILL);
      return false;
    });
    ASSERT_TRUE(killed(status));
  }
  UserRequests users(*segment);
  const auto r = users.launch("https://art/1", "10.0.0.1", kLimit, kNow);
  EXPECT_TRUE(r.created);
  { RobustLock step2(users.step2_first_visit_mutex()); }
  ScanRequests scans(*segment);
  EXPECT_TRUE(scans.launch("x", "1", "a", false, false, kNow).created);
  StepCQueue queue(*segment);
  queue.push(PostToIndex{"x", "1", "42", {"https://i/1.jpg"}});
  EXPECT_TRUE(queue.pop_and_declare("c_th1", true, 10ms).item);
  EXPECT_TRUE(RateLimiter(*segment).allow("10.0.0.1", 1000));
  const auto counts = pipeline_counts(*segment);
  EXPECT_EQ(counts.processing_user, 1u);
  EXPECT_EQ(counts.processing_scan, 1u);
}

// A consumer in another process blocked in a pop is woken by a push from this one.
TEST(PipelinesAcrossProcesses, ABlockedPopInAnotherProcessWakesOnPush) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, test::small_capacities());
  const pid_t child = start_child(instance, [](Segment& s) {
    const auto start = std::chrono::steady_clock::now();
    auto scan = ScanRequests(s).pop(Listing::Timeline, 20s);
    return scan && scan->account_id == "7" && std::chrono::steady_clock::now() - start < 15s;
  });
  std::this_thread::sleep_for(100ms);
  (void)ScanRequests(*segment).launch("x", "7", "a", false, false, kNow);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(exited_ok(status));
}

}  // namespace
}  // namespace aotf::shm
