#pragma once
// Facts about the running daemon that every plugin may read.

#include <chrono>
#include <filesystem>
#include <string>

namespace aotf {

struct HostInfo {
  std::string instance;              // instance name from the config; names the shared segment
  std::filesystem::path data_dir;    // databases and other durable files live here
  std::filesystem::path log_dir;     // <procedure>_errors.log, results.log, stacktrace.log ...
  std::string version;               // aotfd's version, e.g. "0.1.0"
  // The database every stage opens (one connection per thread): database.file, or
  // <data_dir>/aotfd.sqlite3 when that key is empty.
  std::filesystem::path database_file;
  std::chrono::milliseconds database_busy_timeout{10'000};  // database.busy_timeout_ms
  std::string fingerprint_mode = "exact";                   // fingerprint.mode: "exact" or "fast"
};

}  // namespace aotf
