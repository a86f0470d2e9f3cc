#pragma once
// The timing rules shared by the maintenance stages (reference §6): interruptible waits, the
// spreading of account scans over a period, and the dates the database stores.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <aotf/db/database.hpp>
#include <aotf/stage.hpp>

namespace aotf::maintenance {

using WallClock = std::chrono::system_clock;
using std::chrono::milliseconds;

// Sleeps until `deadline` in slices of at most a second, so a stopping daemon is noticed within
// one; `each_slice`, when given, runs before every slice (the reset stage retries its postponed
// accounts there). Returns false when the daemon stops, true once the deadline passed.
bool wait_until(StageContext& ctx, WallClock::time_point deadline, const std::function<void()>& each_slice = {});

// How the scans of a pass are spread over a period P among A accounts.
//
// Non-strict (the default): one account every P/A, measured from the previous account handled,
// whatever the accounts' dates say. The first account after the start follows its due date (no
// wait when overdue, at most P/A otherwise). A daemon that was down for a month therefore starts
// again with one scan every P/A, never a burst of every overdue account.
//
// Strict: each account follows its own date: no wait when a date is missing or the account is
// overdue, else min(P - elapsed, P/A) (the original's STRICTLY_ENFORCE_PERIODS). After downtime
// every overdue account is launched at once.
class Spreader {
public:
  Spreader(milliseconds period, bool strict) : period_(period), strict_(strict) {}

  // How long to wait before handling an account whose relevant date is `last` (empty: missing),
  // `accounts` being the number of accounts of the current pass.
  [[nodiscard]] milliseconds wait_before(std::size_t accounts, std::optional<WallClock::time_point> last,
                                         WallClock::time_point now) const;
  // An account was handled (launched, pushed back or refused) at `when`.
  void handled(WallClock::time_point when) { last_handled_ = when; }
  // Marks the account handled when the scope ends, whichever way the handling ends.
  class HandledMark {
  public:
    explicit HandledMark(Spreader& spreader) : spreader_(spreader) {}
    ~HandledMark() { spreader_.handled(WallClock::now()); }
    HandledMark(const HandledMark&) = delete;
    HandledMark& operator=(const HandledMark&) = delete;

  private:
    Spreader& spreader_;
  };
  // P/A, at least one millisecond.
  [[nodiscard]] milliseconds share(std::size_t accounts) const;

private:
  milliseconds period_;
  bool strict_;
  std::optional<WallClock::time_point> last_handled_;
};

// Parses a date as the database stores it ("YYYY-MM-DDTHH:MM:SSZ"; "YYYY-MM-DD HH:MM:SS" is read
// as UTC too). Empty for anything else.
[[nodiscard]] std::optional<WallClock::time_point> parse_db_date(std::string_view text);
[[nodiscard]] std::optional<WallClock::time_point> parse_db_date(const std::optional<std::string>& text);

// "@name (x 1234)" for log lines.
[[nodiscard]] std::string describe_account(const db::Account& account);

}  // namespace aotf::maintenance
