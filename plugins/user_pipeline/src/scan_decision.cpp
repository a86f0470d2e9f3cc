#include "scan_decision.hpp"

#include <algorithm>
#include <ctime>
#include <string>

namespace aotf::user_pipeline {

std::optional<std::int64_t> parse_utc_ms(std::string_view text) {
  // Exactly the stored shape: 20 characters, digits where digits belong.
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t length) { return std::stoi(std::string(text.substr(at, length))); };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000;
}

ScanDecision decide_scan(const std::optional<db::Account>& row, std::int64_t published_ms,
                         std::chrono::milliseconds margin) {
  if (!row || !row->search_saved_at || !row->timeline_saved_at) return ScanDecision::FirstTime;
  const auto search = parse_utc_ms(*row->search_saved_at);
  const auto timeline = parse_utc_ms(*row->timeline_saved_at);
  if (!search || !timeline) return ScanDecision::FirstTime;
  if (published_ms == 0) return ScanDecision::Update;
  const std::int64_t last_full_scan = std::min(*search, *timeline);
  return last_full_scan - margin.count() < published_ms ? ScanDecision::Update : ScanDecision::None;
}

}  // namespace aotf::user_pipeline
