#pragma once
// Step 2's first-visit rule (reference 4.5): does an account need a scan before the reverse
// search, given its database row and the illustration's publication time?
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <aotf/db/database.hpp>

namespace aotf::user_pipeline {

enum class ScanDecision {
  None,       // indexed recently enough: search what the database holds
  FirstTime,  // never fully scanned (no row, or one of the two listings never saved a cursor)
  Update,     // scanned, but the illustration may be newer than the last scan
};

// - no row, or search_saved_at or timeline_saved_at missing → FirstTime;
// - min(search_saved_at, timeline_saved_at) − margin < published → Update;
// - else None.
// `published_ms` = 0 (publication time unknown) counts as "may be newer": Update.
// A save date that cannot be read counts as missing (FirstTime).
[[nodiscard]] ScanDecision decide_scan(const std::optional<db::Account>& row, std::int64_t published_ms,
                                       std::chrono::milliseconds margin);

// "YYYY-MM-DDTHH:MM:SSZ" (the database's dates) → ms since the epoch; empty when malformed.
[[nodiscard]] std::optional<std::int64_t> parse_utc_ms(std::string_view text);

}  // namespace aotf::user_pipeline
