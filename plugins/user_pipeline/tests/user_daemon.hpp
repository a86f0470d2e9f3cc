#pragma once
// A real aotfd loading only the sites, sources and user_pipeline plugins (symlinked into a
// plugins folder of its own), on a temporary folder, driven through its control socket as
// `aotfctl` would. Waits poll with deadlines.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "console/control_socket.hpp"

namespace aotf::user_pipeline::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

class UserDaemon {
public:
  UserDaemon(const std::string& name, bool multiprocessing, const std::string& plugin_config) {
    instance_ = "up_" + name + "_" + std::to_string(::getpid()) + (multiprocessing ? "_mp" : "_th");
    dir_ = fs::temp_directory_path() / ("aotfd_" + instance_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    fs::create_directories(dir_ / "plugins");
    fs::create_symlink(AOTF_SITES_PLUGIN, dir_ / "plugins" / "sites.so");
    fs::create_symlink(AOTF_SOURCES_PLUGIN, dir_ / "plugins" / "sources.so");
    fs::create_symlink(AOTF_USER_PIPELINE_PLUGIN, dir_ / "plugins" / "user_pipeline.so");
    config_ = dir_ / "aotfd.toml";
    // A worker that throws soon after start restarts at once (no init-crash back-off), so a
    // request that fails with PROCESSING_ERROR does not stall the next ones.
    std::ofstream(config_) << "instance = \"" << instance_ << "\"\n"
                           << "data_dir = \"" << (dir_ / "data").string() << "\"\n"
                           << "plugins_dir = \"" << (dir_ / "plugins").string() << "\"\n"
                           << "multiprocessing = " << (multiprocessing ? "true" : "false") << "\n"
                           << "stop_timeout_s = 3\n"
                           << "[collector]\ninit_crash_window_s = 0\n"
                           << plugin_config << "\n";
  }
  ~UserDaemon() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGTERM);
      if (!eventually([&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; }, 10s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    fs::remove_all(dir_);
  }
  UserDaemon(const UserDaemon&) = delete;
  UserDaemon& operator=(const UserDaemon&) = delete;

  [[nodiscard]] const std::string& instance() const { return instance_; }
  [[nodiscard]] fs::path data_dir() const { return dir_ / "data"; }
  [[nodiscard]] fs::path database_file() const { return dir_ / "data" / "aotfd.sqlite3"; }
  [[nodiscard]] fs::path log_dir() const { return dir_ / "data" / "logs"; }

  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string log = (dir_ / "daemon.log").string();
      if (!std::freopen(log.c_str(), "w", stderr)) ::_exit(126);
      if (!std::freopen("/dev/null", "r", stdin)) ::_exit(126);
      ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config_.c_str(), "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return eventually([&] { return log().find("running with") != std::string::npos || !alive(); }) && alive();
  }
  bool alive() {
    if (pid_ <= 0 || exited_) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) exited_ = true;
    return !exited_;
  }

  [[nodiscard]] std::string log() const { return read(dir_ / "daemon.log"); }
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
  // Repeats a `query` or `search` command until the request it shows reached END.
  std::string until_end(const std::string& command, std::chrono::milliseconds timeout = 60s) {
    std::string out;
    eventually([&] {
      out = ctl(command);
      return out.find("Status: 6 END") != std::string::npos;
    }, timeout);
    return out;
  }

private:
  std::string instance_;
  fs::path dir_;
  fs::path config_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace aotf::user_pipeline::test
