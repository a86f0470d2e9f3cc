#pragma once
// Facts about the running daemon that every plugin may read.

#include <filesystem>
#include <string>

namespace aotf {

struct HostInfo {
  std::string instance;              // instance name from the config; names the shared segment
  std::filesystem::path data_dir;    // databases and other durable files live here
  std::filesystem::path log_dir;     // <procedure>_errors.log, results.log, stacktrace.log ...
  std::string version;               // aotfd's version, e.g. "0.1.0"
};

}  // namespace aotf
