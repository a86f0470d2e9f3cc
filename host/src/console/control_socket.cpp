#include "console/control_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aotf/error.hpp"
#include "aotf/log.hpp"

namespace aotf::host {

namespace {

sockaddr_un address_of(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.size() >= sizeof address.sun_path) {
    throw Error("control socket path " + text + " is longer than " + std::to_string(sizeof address.sun_path - 1) +
                " characters; use a shorter data_dir");
  }
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  return address;
}

bool write_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& data_dir, const std::string& instance) {
  return data_dir / ("aotfd-" + instance + ".sock");
}

ControlSocket::ControlSocket(std::filesystem::path path, std::function<std::string(const std::string&)> execute)
    : path_(std::move(path)), execute_(std::move(execute)) {
  const sockaddr_un address = address_of(path_);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw Error(std::string("cannot create the control socket: ") + std::strerror(errno));
  ::unlink(path_.c_str());  // a socket left by a dead daemon (the instance lock says it is dead)
  const mode_t old = ::umask(0077);
  const int rc = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  ::umask(old);
  if (rc != 0 || ::listen(fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw Error("cannot listen on the control socket " + path_.string() + ": " + why);
  }
  thread_ = std::thread([this] { serve(); });
}

ControlSocket::~ControlSocket() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  ::unlink(path_.c_str());
}

void ControlSocket::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string line;
    char buffer[1024];
    while (line.find('\n') == std::string::npos && line.size() < 65536) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
    std::string answer;
    try {
      answer = execute_(line);
    } catch (const std::exception& error) {
      answer = std::string("error: ") + error.what() + "\n";
    }
    write_all(client, answer);
    ::close(client);
  }
}

std::string send_control_command(const std::filesystem::path& path, const std::string& command) {
  const sockaddr_un address = address_of(path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("cannot create a socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw Error("cannot reach aotfd through " + path.string() + ": " + why + "; is the daemon running?");
  }
  if (!write_all(fd, command + "\n")) {
    ::close(fd);
    throw Error("cannot send the command to aotfd through " + path.string());
  }
  std::string answer;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace aotf::host
