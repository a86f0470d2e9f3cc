// The segment as the host and its containers use it: creation, refusal of a second daemon,
// removal of a dead daemon's segment, registries, and locks that survive a killed holder.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "aotf/shm/segment.hpp"

namespace aotf::shm {
namespace {

std::string unique_instance() {
  return "test_" + std::to_string(::getpid()) + "_" + testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST(Segment, CreateThenAttachSeesTheSameState) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, Capacities{});
  EXPECT_TRUE(segment->running());
  auto attached = Segment::attach(instance, segment->generation());
  const auto slot = segment->register_worker("proc_th1", "proc", "c", 1);
  segment->declare(slot, {RequestRef::User, 3, 7}, "https://example.invalid/art/1");
  auto workers = attached->workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].name, "proc_th1");
  EXPECT_EQ(workers[0].doing, "https://example.invalid/art/1");
  EXPECT_EQ(workers[0].declared.slot, 3u);
  segment->stop();
  EXPECT_FALSE(attached->running());
}

TEST(Segment, ASecondDaemonWithTheSameNameIsRefusedWithThePid) {
  const std::string instance = unique_instance();
  auto first = Segment::create(instance, Capacities{});
  pid_t child = ::fork();
  if (child == 0) {
    try {
      auto second = Segment::create(instance, Capacities{});
      ::_exit(1);
    } catch (const SegmentError& e) {
      const std::string expected = "an aotfd instance named '" + instance + "' is already running, pid " +
                                   std::to_string(::getppid());
      ::_exit(std::string(e.what()).rfind(expected, 0) == 0 ? 0 : 2);
    }
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: second create succeeded, 2: wrong message";
}

TEST(Segment, TheSegmentOfADeadDaemonIsReplaced) {
  const std::string instance = unique_instance();
  pid_t child = ::fork();
  if (child == 0) {
    auto segment = Segment::create(instance, Capacities{});
    segment->register_worker("left_behind_th1", "left_behind", "", 1);
    ::kill(::getpid(), SIGKILL);  // dies without cleaning up
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto segment = Segment::create(instance, Capacities{});
  EXPECT_TRUE(segment->workers().empty()) << "a fresh segment, not the dead daemon's";
  EXPECT_EQ(segment->header().creator_pid, ::getpid());
}

TEST(Segment, AttachToAnotherGenerationIsRefused) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, Capacities{});
  EXPECT_THROW(Segment::attach(instance, segment->generation() + 1), SegmentError);
  EXPECT_THROW(Segment::attach(instance + "_nobody"), SegmentError);
}

TEST(Segment, DuplicateWorkerNamesAndAFullRegistryAreRefused) {
  Capacities small;
  small.workers = 2;
  auto segment = Segment::create(unique_instance(), small);
  segment->register_worker("a_th1", "a", "", 1);
  EXPECT_THROW(segment->register_worker("a_th1", "a", "", 1), SegmentError);
  segment->register_worker("a_th2", "a", "", 2);
  try {
    segment->register_worker("a_th3", "a", "", 3);
    FAIL() << "a full registry must refuse";
  } catch (const SegmentError& e) {
    EXPECT_NE(std::string(e.what()).find("workers registry is full (2 slots)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(segment->header().refusals.load(), 1u);
}

TEST(Segment, AHolderKilledInsideTheLockDoesNotWedgeOthers) {
  const std::string instance = unique_instance();
  auto segment = Segment::create(instance, Capacities{});
  pid_t child = ::fork();
  if (child == 0) {
    auto attached = Segment::attach(instance);
    attached->header().registry_mutex.lock();
    ::kill(::getpid(), SIGKILL);  // dies holding the registry lock
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  // The next locker recovers the lock and the registry works.
  const auto slot = segment->register_worker("after_th1", "after", "", 1);
  EXPECT_EQ(segment->workers().at(0).name, "after_th1");
  segment->unregister_worker(slot);
  EXPECT_TRUE(segment->workers().empty());
}

TEST(Segment, ReleasesTheWorkersOfADeadProcess) {
  auto segment = Segment::create(unique_instance(), Capacities{});
  const auto slot = segment->register_worker("c_th1", "c", "box", 1);
  segment->declare(slot, {RequestRef::Scan, 5, 1}, "@artist (ID 42)");
  segment->register_process(::getpid(), "box");
  auto released = segment->release_workers_of(::getpid());
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].declared.kind, RequestRef::Scan);
  EXPECT_TRUE(segment->workers().empty());
}

TEST(Segment, MailboxesAndMetrics) {
  auto segment = Segment::create(unique_instance(), Capacities{});
  segment->register_process(::getpid(), "box");
  EXPECT_FALSE(segment->take(::getpid(), kWriteStacks));
  segment->post(::getpid(), kWriteStacks);
  EXPECT_TRUE(segment->take(::getpid(), kWriteStacks));
  EXPECT_FALSE(segment->take(::getpid(), kWriteStacks));
  segment->record("step_c_per_post", 0.5);
  segment->record("step_c_per_post", 1.5);
  auto metrics = segment->metrics();
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].count, 2u);
  EXPECT_DOUBLE_EQ(metrics[0].sum_seconds, 2.0);
}

TEST(Segment, ARestartedContainerKeepsItsSlotAndCountsTheRestart) {
  auto segment = Segment::create(unique_instance(), Capacities{});
  segment->register_process(1000001, "step_c");
  segment->set_process_state(1000001, ProcessState::Dead);
  segment->register_process(1000002, "step_c");
  auto processes = segment->processes();
  ASSERT_EQ(processes.size(), 1u);
  EXPECT_EQ(processes[0].pid, 1000002);
  EXPECT_EQ(processes[0].restarts, 1u);
  EXPECT_EQ(processes[0].state, ProcessState::Running);
}

}  // namespace
}  // namespace aotf::shm
