#include "schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <aotf/error.hpp>
#include <aotf/image/fingerprint.hpp>

namespace aotf::maintenance {

bool wait_until(StageContext& ctx, WallClock::time_point deadline, const std::function<void()>& each_slice) {
  while (ctx.running()) {
    if (each_slice) each_slice();
    const auto now = WallClock::now();
    if (now >= deadline) return true;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1);
    if (!ctx.sleep_for(std::min<milliseconds>(left, std::chrono::seconds(1)))) return false;
  }
  return false;
}

milliseconds Spreader::share(std::size_t accounts) const {
  const auto count = static_cast<std::int64_t>(std::max<std::size_t>(accounts, 1));
  return std::max(milliseconds(1), milliseconds(period_.count() / count));
}

milliseconds Spreader::wait_before(std::size_t accounts, std::optional<WallClock::time_point> last,
                                   WallClock::time_point now) const {
  const milliseconds share_ms = share(accounts);
  if (!strict_ && last_handled_) {
    const auto due = *last_handled_ + share_ms;
    return due > now ? std::chrono::duration_cast<milliseconds>(due - now) : milliseconds(0);
  }
  if (!last) return milliseconds(0);
  const auto elapsed = std::chrono::duration_cast<milliseconds>(now - *last);
  if (elapsed >= period_) return milliseconds(0);
  return std::min(period_ - elapsed, share_ms);
}

std::optional<WallClock::time_point> parse_db_date(std::string_view text) {
  if (text.size() < 19) return std::nullopt;
  const std::string copy(text);
  std::tm tm{};
  char separator = 0;
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &separator,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 7 ||
      (separator != 'T' && separator != ' ')) {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
  if (!(rest.empty() || rest == "Z")) return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = ::timegm(&tm);
  return WallClock::from_time_t(t);
}

std::optional<WallClock::time_point> parse_db_date(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return parse_db_date(std::string_view(*text));
}

std::string describe_account(const db::Account& account) {
  return "@" + account.name.value_or("?") + " (" + account.platform + " " + account.account_id + ")";
}

}  // namespace aotf::maintenance
