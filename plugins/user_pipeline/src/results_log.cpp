#include "results_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include <aotf/log.hpp>

namespace aotf::user_pipeline {

std::string result_line(const shm::UserRequestSnapshot& request, const std::string& utc_time) {
  nlohmann::ordered_json accounts = nlohmann::ordered_json::array();
  for (const auto& a : request.accounts) {
    accounts.push_back({{"account_name", a.name}, {"account_id", a.id.empty() ? "None" : a.id}, {"platform", a.platform}});
  }
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& p : request.results) {
    results.push_back({{"tweet_id", p.post_id},
                       {"account_id", p.account_id},
                       {"image_position", std::to_string(p.image_position) + "/" + std::to_string(p.images_count)},
                       {"distance", p.distance},
                       {"platform", p.platform}});
  }
  const nlohmann::ordered_json line = {
      {"status", std::string(shm::to_string(request.status))},
      {"has_first_time_scan", request.has_first_time_scan},
      {"twitter_accounts", accounts},
      {"results", results},
      {"error", nullptr},
      {"input", request.input_url},
      {"ip_address", request.ip_address.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(request.ip_address)},
      {"direct", request.is_direct},
      {"date", utc_time},
  };
  // Replace, not throw, on bytes that are not UTF-8 (an input URL is user text).
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void write_result(const HostInfo& host, const shm::UserRequestSnapshot& request) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::string line = result_line(request, date) + "\n";

  std::error_code ec;
  std::filesystem::create_directories(host.log_dir, ec);
  const std::string file = (host.log_dir / "results.log").string();
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    log_error("user_pipeline", "cannot open " + file + " to record a result");
    return;
  }
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    log_error("user_pipeline", "cannot write to " + file);
  }
  ::close(fd);
}

}  // namespace aotf::user_pipeline
