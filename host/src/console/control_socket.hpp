#pragma once
// The control socket: a Unix stream socket in the data folder through which aotfctl sends one
// console command per connection and reads the answer. Mode 0600: only the daemon's user.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace aotf::host {

[[nodiscard]] std::filesystem::path control_socket_path(const std::filesystem::path& data_dir,
                                                        const std::string& instance);

class ControlSocket {
public:
  // Binds the socket (replacing a stale one) and serves `execute` on a thread. Throws aotf::Error
  // when the socket cannot be created.
  ControlSocket(std::filesystem::path path, std::function<std::string(const std::string&)> execute);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

private:
  void serve();
  std::filesystem::path path_;
  std::function<std::string(const std::string&)> execute_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Client side (aotfctl): sends one command and returns the answer. Throws aotf::Error when the
// daemon cannot be reached.
[[nodiscard]] std::string send_control_command(const std::filesystem::path& path, const std::string& command);

}  // namespace aotf::host
