#pragma once
// Starts a real aotfd on a temporary folder and talks to it as an operator would: its log, its
// control socket, signals. Waits poll with deadlines; nothing sleeps a fixed time to "be sure".

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <thread>

#include "console/control_socket.hpp"

namespace aotf::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

inline bool process_exists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

class Daemon {
public:
  Daemon(const std::string& name, bool multiprocessing, const std::string& extra_config = "") {
    instance_ = name + "_" + std::to_string(::getpid()) + (multiprocessing ? "_mp" : "_th");
    dir_ = fs::temp_directory_path() / ("aotfd_rt_" + instance_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "faults");
    config_ = dir_ / "aotfd.toml";
    std::ofstream(config_) << "instance = \"" << instance_ << "\"\n"
                           << "data_dir = \"" << (dir_ / "data").string() << "\"\n"
                           << "plugins_dir = \"" << AOTF_FAULT_PLUGINS_DIR << "\"\n"
                           << "multiprocessing = " << (multiprocessing ? "true" : "false") << "\n"
                           << "stop_timeout_s = 3\n"
                           << extra_config << "\n"
                           << "[stages.fault_worker]\nthreads = 3\ncontainer = \"faulty\"\nthreads_per_container = 1\n";
  }
  ~Daemon() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  // Starts aotfd and waits until it says it is running.
  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string log = (dir_ / "daemon.log").string();
      std::freopen(log.c_str(), "w", stderr);
      std::freopen("/dev/null", "r", stdin);
      ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config_.c_str(), "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return eventually([&] { return log().find("running with") != std::string::npos || !alive(); }) && alive();
  }

  // Starts aotfd with stderr on a pipe this object reads, waiting until it says it is running.
  bool start_with_stderr_pipe() {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::freopen("/dev/null", "r", stdin);
      ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config_.c_str(), "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
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
  void close_stderr_pipe() {
    ::close(pipe_);
    pipe_ = -1;
  }

  [[nodiscard]] std::string log() const { return read(dir_ / "daemon.log"); }
  [[nodiscard]] std::string error_log(const std::string& procedure) const {
    return read(dir_ / "data" / "logs" / (procedure + "_errors.log"));
  }
  [[nodiscard]] static std::string read(const fs::path& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string ctl(const std::string& command) {
    try {
      return host::send_control_command(host::control_socket_path(dir_ / "data", instance_), command);
    } catch (const std::exception& e) {
      return std::string("unreachable: ") + e.what();
    }
  }

  // Writes a fault command for one worker.
  void inject(const std::string& worker, const std::string& command) {
    const fs::path file = dir_ / "data" / "faults" / worker;
    std::ofstream(file.string() + ".tmp") << command << "\n";
    fs::rename(file.string() + ".tmp", file);
  }
  void clear_fault(const std::string& worker) { fs::remove(dir_ / "data" / "faults" / worker); }

  // Beats counted so far for each worker, from the `metrics` command.
  std::map<std::string, long> beats() {
    std::map<std::string, long> out;
    const std::string text = ctl("metrics");
    static const std::regex line("beat\\.(\\S+): \\S+ s on average over (\\d+) samples");
    for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
      out[(*it)[1]] = std::stol((*it)[2]);
    }
    return out;
  }
  // True once every named worker beat at least `more` times more than in `before`.
  bool all_beat_again(const std::map<std::string, long>& before, const std::vector<std::string>& workers, long more = 3) {
    return eventually([&] {
      auto now = beats();
      for (const auto& w : workers) {
        auto b = before.count(w) ? before.at(w) : 0;
        if (!now.count(w) || now.at(w) < b + more) return false;
      }
      return true;
    });
  }

  // PIDs shown by `threads`, by worker name.
  std::map<std::string, pid_t> worker_pids() {
    std::map<std::string, pid_t> out;
    const std::string text = ctl("threads");
    static const std::regex pid_line("^\\[PID (\\d+)\\]");
    static const std::regex worker_line("(fault_worker_th\\d+) :");
    pid_t current = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      std::smatch m;
      if (std::regex_search(l, m, pid_line)) current = std::stoi(m[1]);
      if (std::regex_search(l, m, worker_line)) out[m[1]] = current;
    }
    return out;
  }

  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits for the daemon to exit; returns its exit status, or -1 if it did not exit in time.
  int wait_exit(std::chrono::milliseconds timeout) {
    int status = 0;
    const bool done = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] bool alive() const { return pid_ > 0 && !exited_ && ::kill(pid_, 0) == 0 && process_exists(pid_); }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& instance() const { return instance_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }
  [[nodiscard]] const fs::path& config() const { return config_; }

private:
  std::string instance_;
  fs::path dir_;
  fs::path config_;
  pid_t pid_ = -1;
  int pipe_ = -1;
  bool exited_ = false;
};

}  // namespace aotf::test
