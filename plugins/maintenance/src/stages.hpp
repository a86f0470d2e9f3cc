#pragma once
// The four stage procedures of the maintenance plugin (names fixed by the host's default plan).

#include <aotf/stage.hpp>

namespace aotf::maintenance {

// Every remove_period_s: sheds finished user and scan requests past their retention, clears
// the HTTP rate limiter and deletes upload files left by shed direct requests.
void remove_finished_requests(StageContext& ctx);
// Spreads one normal scan per account over auto_update_period_s.
void auto_update_accounts(StageContext& ctx);
// Spreads one search-cursor reset per account over reset_cursors_period_s.
void reset_search_cursors(StageContext& ctx);
// Sends the posts of the re-index table back to step C every retry_period_s.
void retry_failed_posts(StageContext& ctx);

}  // namespace aotf::maintenance
