// aotfd under systemd, seen from systemd's side: the test plays the service manager. It binds the
// datagram socket named by NOTIFY_SOCKET, starts build/bin/aotfd with the `late_ready` test
// plugin and reads what the daemon announces (READY=1, STATUS=, WATCHDOG=1, RELOADING=1,
// STOPPING=1); and it hands the daemon a "journal" as stderr to check the log format.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_rig.hpp"
#include "runtime/host_log.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The kernel's memory-deny-write-execute (Linux 6.3+), what systemd's MemoryDenyWriteExecute=
// enforces with seccomp: no mapping may become both writable and executable.
constexpr int kSetMdwe = 65;           // PR_SET_MDWE
constexpr int kGetMdwe = 66;           // PR_GET_MDWE
constexpr int kMdweRefuseExecGain = 1;  // PR_MDWE_REFUSE_EXEC_GAIN

// The service manager's end of NOTIFY_SOCKET.
class NotifySocket {
public:
  // `abstract`: bind an abstract name and give "@name" to the daemon, as systemd may.
  NotifySocket(const fs::path& dir, bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socklen_t length;
    if (abstract) {
      const std::string name = "aotfd-notify-test-" + std::to_string(::getpid()) + "-" + dir.filename().string();
      std::memcpy(address.sun_path + 1, name.data(), name.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
      env_ = "@" + name;
    } else {
      env_ = (dir / "notify.sock").string();
      std::memcpy(address.sun_path, env_.data(), env_.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + env_.size() + 1);
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  [[nodiscard]] bool bound() const { return bound_; }
  [[nodiscard]] const std::string& env() const { return env_; }

  // Reads every datagram that arrived, without waiting.
  void drain() {
    char buffer[4096];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      messages_.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }
  // Waits until a datagram with a line for which `match` holds arrives (or has arrived since
  // `from`); returns its index, or -1.
  long wait_for(const std::function<bool(const std::string&)>& match, std::size_t from = 0,
                std::chrono::milliseconds timeout = 20s) {
    long found = -1;
    eventually(
        [&] {
          drain();
          for (std::size_t i = from; i < messages_.size(); ++i) {
            if (has_line(messages_[i], match)) {
              found = static_cast<long>(i);
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  long wait_for_line(const std::string& line, std::size_t from = 0, std::chrono::milliseconds timeout = 20s) {
    return wait_for([&](const std::string& l) { return l == line; }, from, timeout);
  }
  [[nodiscard]] std::size_t count_line(const std::string& line, std::size_t from = 0) {
    drain();
    std::size_t n = 0;
    for (std::size_t i = from; i < messages_.size(); ++i) n += has_line(messages_[i], [&](const std::string& l) { return l == line; });
    return n;
  }
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  [[nodiscard]] std::string all() const {
    std::string out;
    for (const auto& m : messages_) out += "[" + m + "]\n";
    return out;
  }

  static bool has_line(const std::string& message, const std::function<bool(const std::string&)>& match) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t end = message.find('\n', start);
      if (match(message.substr(start, end == std::string::npos ? std::string::npos : end - start))) return true;
      if (end == std::string::npos) return false;
      start = end + 1;
    }
  }

private:
  int fd_ = -1;
  bool bound_ = false;
  std::string env_;
  std::vector<std::string> messages_;
};

aotf::test::RigOptions systemd_daemon_options(const std::string& name, bool multiprocessing, const std::string& plugins_dir,
                                               const std::string& extra_config) {
  aotf::test::RigOptions o;
  o.name = name;
  o.instance_prefix = "sd_";
  o.folder_prefix = "aotfd_systemd_";
  o.mode_suffix = false;
  o.multiprocessing = multiprocessing;
  o.plugins_dir = plugins_dir;
  o.stop_timeout_s = 5;
  o.config = extra_config;
  return o;
}

// tests/support's DaemonRig, started as systemd starts it.
class Daemon : public aotf::test::DaemonRig {
public:
  Daemon(const std::string& name, bool multiprocessing, const std::string& plugins_dir = AOTF_SYSTEMD_PLUGINS_DIR,
         const std::string& extra_config = "")
      : DaemonRig(systemd_daemon_options(name, multiprocessing, plugins_dir, extra_config)) {}

  // Starts aotfd with stderr in <dir>/daemon.log and the given extra environment. `hardened`: as
  // the unit's NoNewPrivileges and MemoryDenyWriteExecute do (prctl, inherited by containers).
  void start(const std::map<std::string, std::string>& env, bool journal_matches_stderr = false,
             bool hardened = false) {
    launch([&] {
      if (hardened && (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(kSetMdwe, kMdweRefuseExecGain, 0, 0, 0) != 0))
        ::_exit(126);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      if (journal_matches_stderr) {
        struct stat st {};
        ::fstat(STDERR_FILENO, &st);
        const std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
        ::setenv("JOURNAL_STREAM", stream.c_str(), 1);
      }
    });
  }
  void make_ready() { std::ofstream(dir() / "data" / "ready_now") << "now\n"; }
  // `aotfctl COMMAND` run as an operator runs it: its exit status.
  int ctl(const std::string& command) const {
    const std::string line = std::string(AOTFCTL_BINARY) + " --config " + config().string() + " " + command + " >/dev/null 2>&1";
    const int status = std::system(line.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

class SystemdNotify : public ::testing::TestWithParam<bool> {};

// READY=1 waits for every planned worker, including one that reports its readiness late; until
// then STATUS= says how many are ready. In container mode the workers of other processes count.
TEST_P(SystemdNotify, ReadyOnlyOnceEveryWorkerIsReady) {
  Daemon daemon(GetParam() ? "ready_mp" : "ready_th", GetParam());
  NotifySocket notify(daemon.dir(), /*abstract=*/false);
  ASSERT_TRUE(notify.bound());
  daemon.start({{"NOTIFY_SOCKET", notify.env()}});

  // plain_worker is ready as soon as it runs; late_ready is not until the file exists.
  const long waiting = notify.wait_for(
      [](const std::string& l) { return starts_with(l, "STATUS=starting: 1 of 2 workers ready, 0 quarantined"); });
  ASSERT_GE(waiting, 0) << notify.all() << daemon.log();
  EXPECT_EQ(notify.count_line("READY=1"), 0u) << notify.all();
  // A few more checks of the loop go by without READY=1.
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(notify.count_line("READY=1"), 0u) << notify.all();

  daemon.make_ready();
  const long ready = notify.wait_for_line("READY=1");
  ASSERT_GE(ready, 0) << notify.all() << daemon.log();
  // The same datagram carries the summary of the running daemon.
  EXPECT_TRUE(NotifySocket::has_line(notify.messages()[static_cast<std::size_t>(ready)], [](const std::string& l) {
    return starts_with(l, "STATUS=2 workers, 0 quarantined, 0 user requests processing");
  })) << notify.all();
  EXPECT_NE(daemon.log().find("every worker is ready"), std::string::npos) << daemon.log();

  daemon.signal(SIGTERM);
  EXPECT_GE(notify.wait_for_line("STOPPING=1", static_cast<std::size_t>(ready)), 0) << notify.all();
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
}

INSTANTIATE_TEST_SUITE_P(Modes, SystemdNotify, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "processes" : "threads"; });

// WATCHDOG=1 every half WATCHDOG_USEC; SIGHUP and `aotfctl reload` are framed by RELOADING=1 and
// READY=1; SIGTERM says STOPPING=1. The abstract socket name form ('@') is used here.
TEST(SystemdNotifyLifecycle, WatchdogReloadAndStop) {
  Daemon daemon("life", false);
  NotifySocket notify(daemon.dir(), /*abstract=*/true);
  ASSERT_TRUE(notify.bound());
  daemon.make_ready();
  daemon.start({{"NOTIFY_SOCKET", notify.env()}, {"WATCHDOG_USEC", "600000"}});
  const long ready = notify.wait_for_line("READY=1");
  ASSERT_GE(ready, 0) << notify.all() << daemon.log();

  // 0.3 s period: at least 4 pings in a few seconds (generous for a loaded machine).
  const std::size_t before = notify.messages().size();
  ASSERT_TRUE(eventually([&] { return notify.count_line("WATCHDOG=1", before) >= 4; }, 20s)) << notify.all();

  std::size_t from = notify.messages().size();
  daemon.signal(SIGHUP);
  const long reloading = notify.wait_for_line("RELOADING=1", from);
  ASSERT_GE(reloading, 0) << notify.all() << daemon.log();
  EXPECT_GE(notify.wait_for_line("READY=1", static_cast<std::size_t>(reloading) + 1), 0) << notify.all();
  // RELOADING=1 carries the monotonic time systemd 253+ asks for.
  EXPECT_TRUE(NotifySocket::has_line(notify.messages()[static_cast<std::size_t>(reloading)],
                                     [](const std::string& l) { return starts_with(l, "MONOTONIC_USEC="); }));

  from = notify.messages().size();
  ASSERT_EQ(daemon.ctl("reload"), 0) << daemon.log();
  const long reloading2 = notify.wait_for_line("RELOADING=1", from);
  ASSERT_GE(reloading2, 0) << notify.all();
  EXPECT_GE(notify.wait_for_line("READY=1", static_cast<std::size_t>(reloading2) + 1), 0) << notify.all();
  EXPECT_TRUE(eventually([&] { return notify.count_line("WATCHDOG=1", from) >= 1; })) << notify.all();

  from = notify.messages().size();
  daemon.signal(SIGTERM);
  EXPECT_GE(notify.wait_for_line("STOPPING=1", from), 0) << notify.all();
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
}

// A quarantined container makes the host unhealthy: WATCHDOG=1 stops, so systemd restarts the
// service. Uses the runtime tests' `faults` plugin: its worker crashes on every start.
TEST(SystemdNotifyLifecycle, QuarantineStopsTheWatchdog) {
  Daemon daemon("quarantine", true, AOTF_FAULT_PLUGINS_DIR,
                "[supervisor]\nbackoff_initial_s = 0.05\nmax_restarts = 2\nrestart_window_s = 60\n"
                "[stages.fault_worker]\nthreads = 1\n");
  fs::create_directories(daemon.dir() / "data" / "faults");
  NotifySocket notify(daemon.dir(), false);
  ASSERT_TRUE(notify.bound());
  daemon.start({{"NOTIFY_SOCKET", notify.env()}, {"WATCHDOG_USEC", "400000"}});
  ASSERT_GE(notify.wait_for_line("READY=1"), 0) << notify.all() << daemon.log();
  ASSERT_TRUE(eventually([&] { return notify.count_line("WATCHDOG=1") >= 2; })) << notify.all();

  std::ofstream(daemon.dir() / "data" / "faults" / "fault_worker_th1") << "segv_always\n";
  const long quarantined = notify.wait_for(
      [](const std::string& l) { return starts_with(l, "STATUS=") && l.find(", 1 quarantined,") != std::string::npos; },
      0, 30s);
  ASSERT_GE(quarantined, 0) << notify.all() << daemon.log();
  // Seven watchdog periods go by without a ping.
  std::this_thread::sleep_for(1400ms);
  EXPECT_EQ(notify.count_line("WATCHDOG=1", static_cast<std::size_t>(quarantined)), 0u) << notify.all();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
}

// Without WATCHDOG_USEC, or with WATCHDOG_PID naming another process, no WATCHDOG=1 is sent.
TEST(SystemdNotifyLifecycle, NoWatchdogForAnotherPid) {
  Daemon daemon("otherpid", false);
  NotifySocket notify(daemon.dir(), false);
  ASSERT_TRUE(notify.bound());
  daemon.make_ready();
  daemon.start({{"NOTIFY_SOCKET", notify.env()}, {"WATCHDOG_USEC", "200000"}, {"WATCHDOG_PID", "1"}});
  ASSERT_GE(notify.wait_for_line("READY=1"), 0) << notify.all() << daemon.log();
  // Two status periods, 20 watchdog periods had it been armed.
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(notify.count_line("WATCHDOG=1"), 0u) << notify.all();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
}

// Container processes never see NOTIFY_SOCKET: only the host speaks to systemd.
TEST(SystemdNotifyLifecycle, ContainersDoNotInheritTheSocket) {
  Daemon daemon("env_mp", true);
  NotifySocket notify(daemon.dir(), false);
  ASSERT_TRUE(notify.bound());
  daemon.make_ready();
  daemon.start({{"NOTIFY_SOCKET", notify.env()}, {"WATCHDOG_USEC", "5000000"}});
  ASSERT_GE(notify.wait_for_line("READY=1"), 0) << notify.all() << daemon.log();
  std::vector<pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == daemon.pid()) children.push_back(std::stoi(name));
  }
  ASSERT_EQ(children.size(), 2u) << "expected the two containers (plain_worker, late_ready)";
  for (pid_t child : children) {
    std::string environ = read_file("/proc/" + std::to_string(child) + "/environ");
    EXPECT_EQ(environ.find("NOTIFY_SOCKET="), std::string::npos) << "container " << child;
    EXPECT_EQ(environ.find("WATCHDOG_USEC="), std::string::npos) << "container " << child;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
}

// On the journal's stream each line starts with its syslog priority and carries no timestamp;
// elsewhere lines are timestamped. The container processes write the same form.
TEST(JournalLog, PriorityPrefixesWhenStderrIsTheJournal) {
  for (bool multiprocessing : {false, true}) {
    Daemon daemon(multiprocessing ? "journal_mp" : "journal_th", multiprocessing);
    daemon.make_ready();
    daemon.start({}, /*journal_matches_stderr=*/true);
    ASSERT_TRUE(eventually([&] { return daemon.log().find("running with") != std::string::npos; })) << daemon.log();
    const std::string log = daemon.log();
    EXPECT_NE(log.find("<6>[" + std::to_string(daemon.pid()) + "] host: aotfd "), std::string::npos) << log;
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait_exit(30s), 0);
    std::istringstream lines(daemon.log());
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
      ++count;
      EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>' && std::string("3467").find(line[1]) != std::string::npos)
          << "line without a priority: " << line;
      EXPECT_EQ(line.find(" [20"), std::string::npos) << "timestamp in a journal line: " << line;
    }
    EXPECT_GE(count, 3u);
  }
}

TEST(JournalLog, TimestampsWhenStderrIsNotTheJournal) {
  Daemon daemon("plainlog", false);
  daemon.make_ready();
  // JOURNAL_STREAM inherited from a parent whose stderr was the journal, but ours is a file.
  daemon.start({{"JOURNAL_STREAM", "8:12345"}});
  ASSERT_TRUE(eventually([&] { return daemon.log().find("running with") != std::string::npos; })) << daemon.log();
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait_exit(30s), 0);
  std::istringstream lines(daemon.log());
  const std::regex stamped(R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[\d+\] (debug|info|warning|error) \S+: )");
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) {
    ++count;
    EXPECT_TRUE(std::regex_search(line, stamped)) << line;
  }
  EXPECT_GE(count, 3u);
}

TEST(JournalLog, EveryLineOfAMultiLineMessageCarriesThePriority) {
  EXPECT_EQ(aotf::host::format_log_line(true, aotf::LogLevel::Error, "host", "first\nsecond\n"),
            "<3>[" + std::to_string(::getpid()) + "] host: first\n<3>[" + std::to_string(::getpid()) + "] host: second\n");
  EXPECT_EQ(aotf::host::format_log_line(true, aotf::LogLevel::Warning, "x", "w").substr(0, 3), "<4>");
  EXPECT_EQ(aotf::host::format_log_line(true, aotf::LogLevel::Debug, "x", "d").substr(0, 3), "<7>");
}

// The unit's MemoryDenyWriteExecute=yes and NoNewPrivileges=yes do not break aotfd: with every
// bundled plugin of the build, in container processes, it starts (the HTTP server listens, every
// worker is ready), serves and stops; `aotfd hash` decodes images under the same rule.
TEST(UnitHardening, RunsUnderMemoryDenyWriteExecute) {
  {
    const pid_t probe = ::fork();
    if (probe == 0) ::_exit(::prctl(kSetMdwe, kMdweRefuseExecGain, 0, 0, 0) == 0 && ::prctl(kGetMdwe, 0, 0, 0, 0) == 1 ? 0 : 1);
    int status = 0;
    ::waitpid(probe, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) GTEST_SKIP() << "this kernel has no PR_SET_MDWE";
  }
  const fs::path bundled = AOTF_BUNDLED_PLUGINS_DIR;
  std::string extra;
  if (fs::exists(bundled / "http_api.so")) extra = "[plugins.http_api]\nport = 0\n";  // never a fixed port in a test
  Daemon daemon("mdwe", true, bundled.string(), extra);
  NotifySocket notify(daemon.dir(), false);
  ASSERT_TRUE(notify.bound());
  daemon.start({{"NOTIFY_SOCKET", notify.env()}}, false, /*hardened=*/true);
  ASSERT_GE(notify.wait_for_line("READY=1", 0, 60s), 0) << notify.all() << daemon.log();
  // Every process of the daemon runs under the rule (it is inherited across fork and exec).
  std::size_t processes = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string status = read_file(entry.path() / "status");
    const auto ppid_at = status.find("\nPPid:\t");
    if (ppid_at == std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid != daemon.pid() && std::stoi(status.substr(ppid_at + 7)) != daemon.pid()) continue;
    ++processes;
    EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << "pid " << pid;
  }
  EXPECT_GE(processes, 2u) << "the host and at least one container";
  EXPECT_EQ(daemon.ctl("threads"), 0);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(30s), 0) << daemon.log();
  EXPECT_EQ(daemon.log().find("] error "), std::string::npos) << daemon.log();

  // Image decoding and fingerprinting (libjpeg-turbo's SIMD paths, libpng) under the same rule.
  const fs::path jpeg = daemon.dir() / "picture.jpg";
  const std::string make = "/usr/bin/python3 -c \"from PIL import Image; Image.radial_gradient('L').resize((300, 200)).convert('RGB')"
                           ".save('" + jpeg.string() + "', quality=90)\" 2>/dev/null";
  if (std::system(make.c_str()) != 0) GTEST_SKIP() << "python3-pil is needed to write the test image";
  const pid_t hasher = ::fork();
  if (hasher == 0) {
    if (::prctl(kSetMdwe, kMdweRefuseExecGain, 0, 0, 0) != 0) ::_exit(126);
    std::freopen("/dev/null", "w", stdout);
    ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", (daemon.dir() / "aotfd.toml").c_str(), "hash", jpeg.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(hasher, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "aotfd hash under MDWE: status " << status;
}

}  // namespace
