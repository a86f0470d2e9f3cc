// The runtime as an operator sees it, in both modes: workers in threads of aotfd, or in
// container processes. Faults are injected through the `faults` test plugin.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <pty.h>
#include <poll.h>

#include "daemon_harness.hpp"

namespace aotf::test {
namespace {

const std::vector<std::string> kWorkers = {"fault_worker_th1", "fault_worker_th2", "fault_worker_th3"};

class Runtime : public testing::TestWithParam<bool> {
protected:
  bool multiprocessing() const { return GetParam(); }
  std::string name() const { return testing::UnitTest::GetInstance()->current_test_info()->name(); }
  std::string short_name() const {
    std::string n = name();
    n = n.substr(0, n.find('/'));
    return n.substr(0, 14);
  }
};

TEST_P(Runtime, WorkersRunAndEverythingStopsOnSigterm) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers)) << d.ctl("metrics");
  auto pids = d.worker_pids();
  ASSERT_EQ(pids.size(), 3u) << d.ctl("threads");
  if (multiprocessing()) {
    EXPECT_NE(pids["fault_worker_th1"], pids["fault_worker_th2"]) << "one container per worker";
    EXPECT_NE(pids["fault_worker_th1"], d.pid());
  } else {
    for (const auto& [worker, pid] : pids) EXPECT_EQ(pid, d.pid()) << worker;
  }
  EXPECT_NE(d.ctl("threads").find("Total memory:"), std::string::npos);

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(6s), 0) << d.log();
  for (const auto& [worker, pid] : pids) EXPECT_FALSE(process_exists(pid)) << worker << " pid " << pid;
  EXPECT_FALSE(fs::exists("/dev/shm/aotfd-" + d.instance())) << "the segment is removed";
  EXPECT_FALSE(fs::exists(d.dir() / "data" / ("aotfd-" + d.instance() + ".sock"))) << "the socket is removed";
  EXPECT_NE(d.log().find("SIGTERM received, stopping"), std::string::npos);
}

TEST_P(Runtime, AnExceptionIsLoggedWithItsStackAndTheWorkerRestarts) {
  // A crash long after start: no init-crash back-off, the worker restarts at once.
  Daemon d(short_name(), multiprocessing(), "[collector]\ninit_crash_window_s = 0\n");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  d.inject("fault_worker_th2", "throw");
  ASSERT_TRUE(eventually([&] { return d.error_log("fault_worker").find("injected failure") != std::string::npos; }));
  const std::string entry = d.error_log("fault_worker");
  EXPECT_NE(entry.find("==== "), std::string::npos);
  EXPECT_NE(entry.find(" fault_worker_th2 (pid "), std::string::npos) << entry;
  EXPECT_NE(entry.find("Exception: std::runtime_error: injected failure in fault_worker_th2"), std::string::npos)
      << entry;
  EXPECT_NE(entry.find("Stack trace where it was thrown:"), std::string::npos);
  EXPECT_NE(entry.find("fault_worker(aotf::StageContext&)"), std::string::npos) << "the throw site, not the collector\n"
                                                                                 << entry;
  // The worker runs again, and the others never stopped.
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers)) << d.log();
  EXPECT_NE(d.ctl("threads").find("fault_worker_th2 : IDLE [1 errors]"), std::string::npos) << d.ctl("threads");
}

TEST_P(Runtime, ACrashSoonAfterStartBacksOffLongerEachTime) {
  Daemon d(short_name(), multiprocessing(), "[collector]\ninit_crash_window_s = 30\ninit_crash_wait_s = 0.2\n");
  ASSERT_TRUE(d.start()) << d.log();
  d.inject("fault_worker_th1", "crash_early");
  ASSERT_TRUE(eventually([&] { return d.log().find("(3 times): waiting 600 ms") != std::string::npos; })) << d.log();
  const std::string log = d.log();
  const auto first = log.find("(1 times): waiting 200 ms");
  const auto second = log.find("(2 times): waiting 400 ms");
  ASSERT_NE(first, std::string::npos) << log;
  ASSERT_NE(second, std::string::npos) << log;
  EXPECT_LT(first, second);
  EXPECT_TRUE(d.all_beat_again(d.beats(), {"fault_worker_th2", "fault_worker_th3"}));
  d.clear_fault("fault_worker_th1");
  EXPECT_TRUE(d.all_beat_again(d.beats(), {"fault_worker_th1"})) << "recovers once the cause is gone";
}

TEST_P(Runtime, AHungWorkerDoesNotKeepTheDaemonFromStopping) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  auto pids = d.worker_pids();
  d.inject("fault_worker_th1", "hang");
  ASSERT_TRUE(eventually([&] { return !fs::exists(d.dir() / "data" / "faults" / "fault_worker_th1"); }))
      << "the worker read its command";
  const long before = d.beats()["fault_worker_th1"];
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(d.beats()["fault_worker_th1"], before) << "the worker hangs";
  const auto started = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(10s), 0) << d.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s) << "stop_timeout is 3 s";
  for (const auto& [worker, pid] : pids) EXPECT_FALSE(process_exists(pid)) << worker;
  EXPECT_FALSE(fs::exists("/dev/shm/aotfd-" + d.instance()));
  if (multiprocessing()) {
    EXPECT_NE(d.log().find("did not stop within the stop timeout: killed"), std::string::npos) << d.log();
  } else {
    EXPECT_NE(d.log().find("abandoned: fault_worker_th1"), std::string::npos) << d.log();
  }
}

TEST_P(Runtime, SighupDoesNotStopTheDaemon) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  d.signal(SIGHUP);
  if (multiprocessing()) ::kill(d.worker_pids()["fault_worker_th2"], SIGHUP);
  ASSERT_TRUE(eventually([&] { return d.log().find("SIGHUP received") != std::string::npos; }));
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers)) << d.log();
  EXPECT_TRUE(d.alive());
  EXPECT_NE(d.ctl("reload").find("reload: re-read"), std::string::npos);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(6s), 0);
}

TEST_P(Runtime, ASecondDaemonWithTheSameInstanceIsRefused) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  const std::string command = std::string(AOTFD_BINARY) + " --config " + d.config().string() + " run 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(out.find("an aotfd instance named '" + d.instance() + "' is already running, pid " + std::to_string(d.pid())),
            std::string::npos)
      << out;
  EXPECT_TRUE(d.alive());
}

TEST_P(Runtime, TheStopCommandStopsTheDaemon) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.ctl("stop"), "stopping\n");
  EXPECT_EQ(d.wait_exit(6s), 0) << d.log();
}

TEST_P(Runtime, AWorkerThatThrowsFailsTheRequestItDeclared) {
  Daemon d(short_name(), multiprocessing(), "[collector]\ninit_crash_window_s = 0\n");
  ASSERT_TRUE(d.start()) << d.log();
  const std::string url = "https://www.deviantart.com/artist/art/work-123";
  const std::string user = d.ctl("fault-request user " + url);
  ASSERT_EQ(user.rfind("user ", 0), 0u) << user;
  EXPECT_EQ(d.ctl("fault-request show " + url), "WAIT_LINK_FINDER \n");
  std::ofstream(d.dir() / "data" / "faults" / "fault_worker_th1.request") << user.substr(0, user.size() - 1);
  d.inject("fault_worker_th1", "throw_declared");
  ASSERT_TRUE(eventually([&] { return d.ctl("fault-request show " + url) == "END PROCESSING_ERROR\n"; }))
      << d.ctl("fault-request show " + url);
  EXPECT_NE(d.error_log("fault_worker").find("Request: injected request user"), std::string::npos)
      << d.error_log("fault_worker");
  EXPECT_NE(d.ctl("queues").find("Unfinished user requests: 0"), std::string::npos) << d.ctl("queues");

  // A scan request declared by a worker whose container dies: failed and ended.
  const std::string scan = d.ctl("fault-request scan x 12345");
  ASSERT_EQ(scan.rfind("scan ", 0), 0u) << scan;
  EXPECT_EQ(d.ctl("fault-request scan-state x 12345"), "ok running\n");
  std::ofstream(d.dir() / "data" / "faults" / "fault_worker_th2.request") << scan.substr(0, scan.size() - 1);
  d.inject("fault_worker_th2", "throw_declared");
  ASSERT_TRUE(eventually([&] { return d.ctl("fault-request scan-state x 12345") == "failed ended\n"; }))
      << d.ctl("fault-request scan-state x 12345");
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers));
}

TEST_P(Runtime, StacksOfEveryWorkerGoToStacktraceLog) {
  Daemon d(short_name(), multiprocessing());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  const std::string answer = d.ctl("stacks");
  EXPECT_NE(answer.find("stacktrace.log"), std::string::npos) << answer;
  const fs::path file = d.dir() / "data" / "logs" / "stacktrace.log";
  ASSERT_TRUE(eventually([&] {
    const std::string text = Daemon::read(file);
    for (const auto& w : kWorkers) {
      if (text.find("] " + w + " at ") == std::string::npos) return false;
    }
    return true;
  })) << Daemon::read(file);
  EXPECT_NE(Daemon::read(file).find("fault_worker(aotf::StageContext&)"), std::string::npos)
      << "each worker's own stack\n" << Daemon::read(file);
}

TEST_P(Runtime, ANetworkOutageWaitsForTheProbeBeforeRestarting) {
  // A loopback port nobody listens on yet plays the network probe.
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  Daemon d(short_name(), multiprocessing(),
           "network_probe = \"127.0.0.1:" + std::to_string(port) + "\"\n[collector]\ninit_crash_window_s = 0\n");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  d.inject("fault_worker_th1", "network_error");
  ASSERT_TRUE(eventually([&] { return d.log().find("network outage: waiting until 127.0.0.1") != std::string::npos; }))
      << d.log();
  EXPECT_NE(d.ctl("threads").find("fault_worker_th1 : IDLE (waiting for the network)"), std::string::npos)
      << d.ctl("threads");
  const long waiting = d.beats()["fault_worker_th1"];
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(d.beats()["fault_worker_th1"], waiting) << "no restart while the network is down";
  ASSERT_EQ(::listen(probe, 4), 0);  // the network is back
  EXPECT_TRUE(d.all_beat_again(d.beats(), {"fault_worker_th1"})) << d.log();
  ::close(probe);
}

TEST_P(Runtime, ATerminalThatWentAwayIsDroppedNotFatal) {
  Daemon d(short_name(), multiprocessing(), "[collector]\ninit_crash_window_s = 0\n");
  ASSERT_TRUE(d.start_with_stderr_pipe()) << "started";
  d.close_stderr_pipe();  // like a terminal that was closed: writes now fail with EPIPE
  d.inject("fault_worker_th2", "throw");  // something to log
  d.signal(SIGHUP);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(d.alive());
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(6s), 0);
}

INSTANTIATE_TEST_SUITE_P(BothModes, Runtime, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) { return info.param ? "processes" : "threads"; });

// The console on a terminal: commands typed at the prompt, answers on the terminal, Ctrl-D stops.
TEST(TerminalConsole, AnswersTypedCommandsAndStopsOnEndOfFile) {
  Daemon d("tty", false);
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", d.config().c_str(), "run", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string screen;
  auto read_until = [&](const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (screen.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buffer[4096];
        const ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0) break;
        screen.append(buffer, static_cast<std::size_t>(n));
      }
    }
    return screen.find(text) != std::string::npos;
  };
  auto read_until_after = [&](std::size_t from, const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (screen.find(text, from) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      read_until(text + "\x01never", std::chrono::milliseconds(50));
    }
    return screen.find(text, from) != std::string::npos;
  };
  ASSERT_TRUE(read_until("aotfd> ", 15s)) << screen;
  // libedit may flush input typed while it sets the terminal up, as a person retypes, so do we.
  auto type = [&](const std::string& line, const std::string& answer) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      const std::string keys = line + "\r";
      if (::write(master, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size())) return false;
      if (read_until(answer, 3s)) return true;
    }
    return false;
  };
  EXPECT_TRUE(type("help", "append the stack of every worker")) << screen;
  // Workers register on their own threads; wait for all three before asking.
  ASSERT_TRUE(eventually([&] { return d.worker_pids().size() == 3; })) << d.ctl("threads");
  EXPECT_TRUE(type("threads", "fault_worker_th3")) << screen;
  // Ctrl-D at the next prompt; retyped if libedit flushed it while setting the terminal up.
  const std::size_t answered = screen.size();
  read_until_after(answered, "aotfd> ", 5s);
  const char eof = 4;
  int status = 0;
  bool exited = false;
  for (int attempt = 0; attempt < 3 && !exited; ++attempt) {
    ASSERT_EQ(::write(master, &eof, 1), 1);
    exited = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 3s);
  }
  ASSERT_TRUE(exited) << screen;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << screen;
  ::close(master);
}

// --- only with container processes -------------------------------------------------------

class Containers : public Runtime {};

TEST_F(Containers, ASegfaultKillsOnlyItsContainerWhichIsRestarted) {
  Daemon d("segv", true, "[supervisor]\nbackoff_initial_s = 0.05\n");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  const pid_t victim = d.worker_pids()["fault_worker_th3"];
  d.inject("fault_worker_th3", "segv");
  ASSERT_TRUE(eventually([&] { return d.log().find("was killed by SIGSEGV") != std::string::npos; })) << d.log();
  EXPECT_NE(d.log().find("container 'faulty_2' (pid " + std::to_string(victim) + ") was killed by SIGSEGV; restarting"),
            std::string::npos)
      << d.log();
  ASSERT_TRUE(eventually([&] {
    auto pids = d.worker_pids();
    return pids.count("fault_worker_th3") && pids["fault_worker_th3"] != victim;
  })) << d.ctl("threads");
  EXPECT_FALSE(process_exists(victim)) << "reaped, not a zombie";
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers)) << d.log();
}

TEST_F(Containers, ARequestDeclaredByAContainerThatDiesIsFailed) {
  Daemon d("declared_segv", true, "[supervisor]\nbackoff_initial_s = 0.05\n");
  ASSERT_TRUE(d.start()) << d.log();
  const std::string url = "https://www.pixiv.net/en/artworks/42";
  const std::string user = d.ctl("fault-request user " + url);
  ASSERT_EQ(user.rfind("user ", 0), 0u) << user;
  // The worker declares the request, then its whole process dies: the supervisor fails it.
  std::ofstream(d.dir() / "data" / "faults" / "fault_worker_th3.request") << user.substr(0, user.size() - 1);
  d.inject("fault_worker_th3", "segv_declared");
  ASSERT_TRUE(eventually([&] { return d.ctl("fault-request show " + url) == "END PROCESSING_ERROR\n"; }))
      << d.log();
  EXPECT_NE(d.log().find("fault_worker_th3 died with its container; its request failed: injected request user"),
            std::string::npos)
      << d.log();
}

TEST_F(Containers, AnAbortWhileHoldingASegmentLockDoesNotWedgeTheOthers) {
  Daemon d("abort", true, "[supervisor]\nbackoff_initial_s = 0.05\n");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  d.inject("fault_worker_th2", "abort_in_lock");
  ASSERT_TRUE(eventually([&] { return d.log().find("was killed by SIGABRT") != std::string::npos; })) << d.log();
  // `threads` takes the registry lock the dead container held; the restarted worker registers.
  ASSERT_TRUE(eventually([&] { return d.worker_pids().size() == 3; })) << d.ctl("threads");
  EXPECT_TRUE(d.all_beat_again(d.beats(), kWorkers)) << d.log();
}

TEST_F(Containers, TooManyDeathsQuarantineTheContainer) {
  Daemon d("quarantine", true, "[supervisor]\nbackoff_initial_s = 0.05\nmax_restarts = 2\nrestart_window_s = 60\n");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  d.inject("fault_worker_th1", "segv_always");
  ASSERT_TRUE(eventually([&] { return d.log().find("quarantined") != std::string::npos; })) << d.log();
  EXPECT_NE(d.log().find("3 deaths within 60 s: quarantined"), std::string::npos) << d.log();
  EXPECT_NE(d.ctl("threads").find("container 'faulty_0' QUARANTINED"), std::string::npos) << d.ctl("threads");
  EXPECT_TRUE(d.all_beat_again(d.beats(), {"fault_worker_th2", "fault_worker_th3"}));
}

TEST_F(Containers, SigtermToAContainerStopsTheWholeDaemon) {
  Daemon d("fwd", true);
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(d.all_beat_again({}, kWorkers));
  auto pids = d.worker_pids();
  ::kill(pids["fault_worker_th2"], SIGTERM);
  EXPECT_EQ(d.wait_exit(8s), 0) << d.log();
  for (const auto& [worker, pid] : pids) EXPECT_FALSE(process_exists(pid)) << worker;
  EXPECT_NE(d.log().find("asking the host to stop the daemon"), std::string::npos) << d.log();
}

}  // namespace
}  // namespace aotf::test
