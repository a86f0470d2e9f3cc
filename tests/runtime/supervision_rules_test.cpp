// Back-off, restart and quarantine rules with a fake clock: fast and deterministic.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "runtime/collector.hpp"
#include "runtime/supervisor.hpp"

namespace aotf::host {
namespace {

using namespace std::chrono_literals;

class FakeClock final : public Clock {
public:
  time_point now() override { return now_; }
  bool sleep_for(std::chrono::milliseconds d, const std::function<bool()>& keep_going) override {
    sleeps.push_back(d);
    now_ += d;
    return keep_going();
  }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  std::vector<std::chrono::milliseconds> sleeps;

private:
  time_point now_{};
};

TEST(RestartPolicy, BackOffDoublesUpToTheCapThenQuarantines) {
  SupervisorSettings s;
  s.max_restarts = 4;
  s.restart_window = 60s;
  s.backoff_initial = 1s;
  s.backoff_max = 5s;
  RestartPolicy policy(s);
  FakeClock clock;
  std::vector<long> delays;
  for (int i = 0; i < 4; ++i) {
    auto d = policy.on_death(clock.now());
    ASSERT_FALSE(d.quarantine) << "death " << i + 1;
    delays.push_back(d.delay.count());
    clock.advance(1s);
  }
  EXPECT_EQ(delays, (std::vector<long>{1000, 2000, 4000, 5000}));
  auto fifth = policy.on_death(clock.now());
  EXPECT_TRUE(fifth.quarantine);
  EXPECT_EQ(fifth.deaths_in_window, 5u);
}

TEST(RestartPolicy, DeathsOutsideTheWindowAreForgotten) {
  SupervisorSettings s;
  s.max_restarts = 1;
  s.restart_window = 10s;
  s.backoff_initial = 1s;
  RestartPolicy policy(s);
  FakeClock clock;
  EXPECT_FALSE(policy.on_death(clock.now()).quarantine);
  clock.advance(11s);
  auto d = policy.on_death(clock.now());
  EXPECT_FALSE(d.quarantine) << "the first death is out of the window";
  EXPECT_EQ(d.delay, 1s) << "back-off starts over";
  EXPECT_TRUE(policy.on_death(clock.now()).quarantine);
}

class CollectorRules : public testing::Test {
protected:
  void SetUp() override {
    instance_ = "collector_rules_" + std::to_string(::getpid()) + "_" +
                testing::UnitTest::GetInstance()->current_test_info()->name();
    segment_ = shm::Segment::create(instance_, shm::Capacities{});
    log_dir_ = std::filesystem::temp_directory_path() / instance_;
    settings_.log_dir = log_dir_;
    host_.log_dir = log_dir_;
  }
  void TearDown() override { std::filesystem::remove_all(log_dir_); }

  void run(std::function<void(StageContext&)> body) {
    procedure_ = {"rules_proc", "test", std::move(body)};
    WorkerSpec spec;
    spec.procedure = &procedure_;
    spec.plugin = "test";
    spec.config = &config_;
    spec.host = &host_;
    error_collector(spec, *segment_, settings_, clock_);
  }
  std::string error_log() {
    std::ifstream in(log_dir_ / "rules_proc_errors.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string instance_;
  std::unique_ptr<shm::Segment> segment_;
  std::filesystem::path log_dir_;
  CollectorSettings settings_;
  HostInfo host_;
  ConfigView config_;
  StageProcedure procedure_;
  FakeClock clock_;
};

TEST_F(CollectorRules, CrashesRightAfterStartWaitLongerEachTime) {
  int runs = 0;
  run([&](StageContext&) {
    if (++runs <= 3) throw std::runtime_error("early crash");
  });
  EXPECT_EQ(runs, 4) << "restarted after each crash, ended by the normal return";
  EXPECT_EQ(clock_.sleeps, (std::vector<std::chrono::milliseconds>{600s, 1200s, 1800s}));
}

TEST_F(CollectorRules, CrashesAfterALongRunRestartAtOnce) {
  int runs = 0;
  run([&](StageContext&) {
    clock_.advance(11s);  // the procedure ran for a while before failing
    if (++runs <= 2) throw std::runtime_error("late crash");
  });
  EXPECT_EQ(runs, 3);
  EXPECT_TRUE(clock_.sleeps.empty());
}

TEST_F(CollectorRules, AtMostMaxLoggedErrorsEntriesPerWorker) {
  settings_.max_logged_errors = 2;
  settings_.init_crash_window = 0s;
  int runs = 0;
  run([&](StageContext&) {
    if (++runs <= 5) throw std::runtime_error("failure number " + std::to_string(runs));
  });
  const std::string log = error_log();
  EXPECT_NE(log.find("failure number 1"), std::string::npos);
  EXPECT_NE(log.find("failure number 2"), std::string::npos);
  EXPECT_EQ(log.find("failure number 3"), std::string::npos) << log;
}

TEST_F(CollectorRules, AStopDuringTheBackOffEndsTheWorker) {
  int runs = 0;
  run([&](StageContext&) {
    ++runs;
    segment_->stop();
    throw std::runtime_error("crash while stopping");
  });
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(segment_->workers().empty()) << "the worker unregistered";
}

TEST_F(CollectorRules, NonStandardExceptionsAreCaughtToo) {
  int runs = 0;
  settings_.init_crash_window = 0s;
  run([&](StageContext&) {
    if (++runs == 1) throw 42;
  });
  EXPECT_EQ(runs, 2);
  EXPECT_NE(error_log().find("Exception: unknown exception"), std::string::npos) << error_log();
}

}  // namespace
}  // namespace aotf::host
