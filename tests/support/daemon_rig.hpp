#pragma once
// A real aotfd on a temporary folder, driven as an operator drives it: its config, its log, its
// control socket (what `aotfctl` sends), signals. The daemon suites (runtime, scan_pipeline,
// user_pipeline, pipeline, maintenance, http_api, pipeline_crash, browser) build on this one rig.
//
//   RigOptions o;
//   o.name = "restart";
//   o.multiprocessing = true;
//   o.plugins = {AOTF_SITES_PLUGIN, AOTF_SOURCES_PLUGIN};  // symlinked into <dir>/plugins
//   o.config = "[collector]\ninit_crash_window_s = 0\n";
//   DaemonRig d(o);
//   ASSERT_TRUE(d.start()) << d.log();
//   poll_until([&] { return d.ctl("queues").find("...") != std::string::npos; }, 30s);
//
// Waits poll with deadlines; nothing sleeps a fixed time to "be sure".

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "console/control_socket.hpp"

namespace aotf::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `condition` every `interval` until it holds or `timeout` passes; the last answer.
inline bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = 20ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

// True while `pid` exists and is not a zombie.
inline bool process_exists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// A whole file, or "" when it cannot be read.
inline std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct RigOptions {
  // The instance is <instance_prefix><name>_<test pid>_mp|_th; the folder is
  // <temp>/<folder_prefix><instance>.
  std::string name;
  std::string instance_prefix;
  std::string folder_prefix = "aotfd_";
  bool mode_suffix = true;  // false: no _mp|_th at the end of the instance
  bool multiprocessing = false;
  // Plugin files symlinked into <folder>/plugins, the daemon's plugins_dir; empty: plugins_dir
  // below is used as it is.
  std::vector<fs::path> plugins;
  fs::path plugins_dir;
  int stop_timeout_s = 3;
  std::string log_level;  // empty: the default
  // Written after the top-level keys above: more top-level keys first, then tables.
  std::string config;
  // Set in the daemon's environment only.
  std::vector<std::pair<std::string, std::string>> environment;
  // Folders created under <folder>/data before the start.
  std::vector<std::string> data_subdirs;
  // daemon.log truncated at each start (Truncate), appended to (Append), or daemon<N>.log for
  // the Nth start (PerStart).
  enum class Log { Truncate, Append, PerStart } log = Log::Truncate;
  std::chrono::milliseconds start_timeout = 15s;
  std::chrono::milliseconds poll_interval = 20ms;
  // What the destructor does to a daemon still running: SIGTERM and this long to exit before
  // SIGKILL; 0: SIGKILL at once.
  std::chrono::milliseconds exit_grace{0};
  // Also SIGKILL the container processes (from `threads`) when the destructor kills.
  bool destroy_kills_containers = false;
  // Keep the folder when AOTF_KEEP_TEST_DIRS is set.
  bool keep_dir_on_request = false;
};

class DaemonRig {
public:
  explicit DaemonRig(RigOptions options) : o_(std::move(options)) {
    instance_ = o_.instance_prefix + o_.name + "_" + std::to_string(::getpid()) + (o_.mode_suffix ? (o_.multiprocessing ? "_mp" : "_th") : "");
    dir_ = fs::temp_directory_path() / (o_.folder_prefix + instance_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    for (const auto& sub : o_.data_subdirs) fs::create_directories(dir_ / "data" / sub);
    if (!o_.plugins.empty()) {
      fs::create_directories(dir_ / "plugins");
      for (const auto& plugin : o_.plugins) fs::create_symlink(plugin, dir_ / "plugins" / plugin.filename());
      o_.plugins_dir = dir_ / "plugins";
    }
    config_ = dir_ / "aotfd.toml";
    write_config(o_.config);
  }
  ~DaemonRig() {
    if (running()) {
      if (o_.exit_grace.count() > 0) {
        ::kill(pid_, SIGTERM);
        if (!poll_until([&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; }, o_.exit_grace, o_.poll_interval)) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, nullptr, 0);
        }
        exited_ = true;
      } else {
        kill_hard(o_.destroy_kills_containers);
      }
    }
    if (pipe_ >= 0) ::close(pipe_);
    if (!o_.keep_dir_on_request || std::getenv("AOTF_KEEP_TEST_DIRS") == nullptr) fs::remove_all(dir_);
  }
  DaemonRig(const DaemonRig&) = delete;
  DaemonRig& operator=(const DaemonRig&) = delete;

  // The top-level keys every rig writes: instance, folders, mode, stop timeout, log level.
  [[nodiscard]] std::string base_config() const {
    std::string out = "instance = \"" + instance_ + "\"\n" + "data_dir = \"" + (dir_ / "data").string() + "\"\n" +
                      "plugins_dir = \"" + o_.plugins_dir.string() + "\"\n" +
                      "multiprocessing = " + (o_.multiprocessing ? "true" : "false") + "\n" +
                      "stop_timeout_s = " + std::to_string(o_.stop_timeout_s) + "\n";
    if (!o_.log_level.empty()) out += "log_level = \"" + o_.log_level + "\"\n";
    return out;
  }
  // Rewrites the config file: base_config() then `rest`.
  void write_config(const std::string& rest) const { std::ofstream(config_) << base_config() << rest << "\n"; }

  // Starts aotfd (again, after stop or kill, on the same folder) and waits until it says it is
  // running: false if it exited first or never said so within `timeout` (0: the option's).
  bool start(std::chrono::milliseconds timeout = 0ms) {
    if (alive()) return true;
    if (running()) {  // it died on its own: reap it
      ::waitpid(pid_, nullptr, 0);
      exited_ = true;
    }
    const std::size_t logged = launch();
    return poll_until([&] { return log().find("running with", logged) != std::string::npos || !alive(); },
                      timeout.count() > 0 ? timeout : o_.start_timeout, o_.poll_interval) &&
           alive();
  }
  // Starts aotfd with stderr in its log without waiting; `in_child` runs in the child just before
  // the exec (after the environment and the log are set up). The offset in log() from which the
  // new start writes.
  std::size_t launch(const std::function<void()>& in_child = {}) {
    const std::size_t logged = begin_log();
    const std::string log_file = log_file_.string();
    const bool append = o_.log == RigOptions::Log::Append;
    spawn([&] {
      if (std::freopen(log_file.c_str(), append ? "a" : "w", stderr) == nullptr) ::_exit(126);
      if (in_child) in_child();
    });
    return logged;
  }
  // Starts aotfd with its stderr on a pipe this object holds, reading it until it says it is running.
  bool start_with_stderr_pipe() {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    spawn([&] {
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
    });
    ::close(fds[1]);
    pipe_ = fds[0];
    std::string seen;
    char buffer[4096];
    while (seen.find("running with") == std::string::npos) {
      const ssize_t n = ::read(pipe_, buffer, sizeof buffer);
      if (n <= 0) return false;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  // Closes that pipe: the daemon's next writes to stderr fail.
  void close_stderr_pipe() {
    if (pipe_ >= 0) ::close(pipe_);
    pipe_ = -1;
  }

  // SIGTERM and wait; the exit status, or -1 if it was not running or did not exit in time (then
  // it is killed).
  int stop(std::chrono::milliseconds timeout = 30s) {
    if (!running()) return -1;
    ::kill(pid_, SIGTERM);
    const int status = wait_exit(timeout);
    if (status == -1) kill_hard(false);
    return status;
  }
  // SIGKILL to aotfd (and, with `containers`, to every container process it started, at once),
  // then waits until they are gone.
  void kill_hard(bool containers = true) {
    if (!running()) return;
    const auto pids = containers ? container_pids() : std::vector<pid_t>{};
    ::kill(pid_, SIGKILL);
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
    for (pid_t pid : pids) poll_until([&] { return !process_exists(pid); }, 10s, o_.poll_interval);
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits for the daemon to exit; its exit status (128 + signal when killed), or -1 if it did not
  // exit in time.
  int wait_exit(std::chrono::milliseconds timeout) {
    int status = 0;
    if (!poll_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout, o_.poll_interval)) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] bool alive() const { return running() && process_exists(pid_); }

  // One console command through the control socket ("unreachable: ..." when it cannot connect).
  [[nodiscard]] std::string ctl(const std::string& command) const {
    try {
      return host::send_control_command(host::control_socket_path(dir_ / "data", instance_), command);
    } catch (const std::exception& e) {
      return std::string("unreachable: ") + e.what();
    }
  }
  // The process of every worker whose name starts with `prefix` ("step3_reverse_search_th1"), from
  // `threads`: aotfd's own pid in threads mode, a container's with container processes.
  [[nodiscard]] std::map<std::string, pid_t> worker_pids(const std::string& prefix = "") const {
    std::map<std::string, pid_t> out;
    static const std::regex pid_line(R"(^\[PID (\d+)\])");
    static const std::regex worker_line(R"((\w+_th\d+) :)");
    pid_t current = 0;
    std::istringstream in(ctl("threads"));
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, pid_line)) current = std::stoi(m[1]);
      if (std::regex_search(line, m, worker_line) && m.str(1).starts_with(prefix)) out[m[1]] = current;
    }
    return out;
  }
  // The container processes running workers (none in threads mode).
  [[nodiscard]] std::vector<pid_t> container_pids() const {
    std::vector<pid_t> out;
    if (!o_.multiprocessing) return out;
    for (const auto& [worker, pid] : worker_pids()) {
      if (pid != pid_ && pid > 0 && std::find(out.begin(), out.end(), pid) == out.end()) out.push_back(pid);
    }
    return out;
  }

  // The log of the current (or last) start.
  [[nodiscard]] std::string log() const { return read_file(log_file_); }
  [[nodiscard]] std::string error_log(const std::string& procedure) const {
    return read_file(log_dir() / (procedure + "_errors.log"));
  }
  // Every <procedure>_errors.log, each under a header line; "(no error log)" when there is none.
  [[nodiscard]] std::string all_error_logs() const {
    std::string out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(log_dir(), ec)) {
      if (!entry.path().filename().string().ends_with("_errors.log")) continue;
      out += "---- " + entry.path().filename().string() + "\n" + read_file(entry.path());
    }
    return out.empty() ? "(no error log)" : out;
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool multiprocessing() const noexcept { return o_.multiprocessing; }
  [[nodiscard]] const std::string& instance() const noexcept { return instance_; }
  [[nodiscard]] const fs::path& dir() const noexcept { return dir_; }
  [[nodiscard]] fs::path data_dir() const { return dir_ / "data"; }
  [[nodiscard]] fs::path log_dir() const { return dir_ / "data" / "logs"; }
  [[nodiscard]] fs::path database_file() const { return dir_ / "data" / "aotfd.sqlite3"; }
  [[nodiscard]] const fs::path& config() const noexcept { return config_; }

private:
  [[nodiscard]] bool running() const noexcept { return pid_ > 0 && !exited_; }

  // Chooses the log file of this start; the offset from which "running with" means this start.
  std::size_t begin_log() {
    if (o_.log == RigOptions::Log::PerStart) {
      log_file_ = dir_ / ("daemon" + std::to_string(starts_) + ".log");
    } else {
      log_file_ = dir_ / "daemon.log";
    }
    ++starts_;
    return o_.log == RigOptions::Log::Append ? log().size() : 0;
  }

  // fork, `redirect` stderr in the child, stdin from /dev/null, the environment, exec aotfd.
  template <class Redirect>
  void spawn(Redirect&& redirect) {
    exited_ = false;
    pid_ = ::fork();
    if (pid_ == 0) {
      for (const auto& [name, value] : o_.environment) ::setenv(name.c_str(), value.c_str(), 1);
      redirect();
      if (std::freopen("/dev/null", "r", stdin) == nullptr) ::_exit(126);
      const std::string config_file = config_.string();
      ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config_file.c_str(), "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  RigOptions o_;
  std::string instance_;
  fs::path dir_, config_, log_file_;
  int starts_ = 0;
  pid_t pid_ = -1;
  int pipe_ = -1;
  bool exited_ = false;
};

}  // namespace aotf::test
