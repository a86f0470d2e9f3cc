#include "warnings_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <aotf/log.hpp>

namespace aotf::user_pipeline {

void write_warning(const HostInfo& host, std::string_view component, std::string_view message) {
  log_warning(component, message);
  std::error_code ec;
  std::filesystem::create_directories(host.log_dir, ec);
  const std::string file = (host.log_dir / "warnings.log").string();
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    log_error(component, "cannot open " + file + " to write a warning");
    return;
  }
  std::string line = "[" + local_timestamp() + "] ";
  line += message;
  line += '\n';
  const ssize_t written = ::write(fd, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) log_error(component, "cannot write to " + file);
  ::close(fd);
}

}  // namespace aotf::user_pipeline
