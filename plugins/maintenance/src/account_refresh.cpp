#include "account_refresh.hpp"

#include <chrono>
#include <exception>

#include <aotf/connectors/connectors.hpp>
#include <aotf/shm/segment.hpp>

namespace aotf::maintenance {

AccountCheck check_account(StageContext& ctx, const db::Account& account, std::string_view procedure) {
  AccountCheck check;
  if (!account.name || account.name->empty()) {
    check.liveness = Liveness::unavailable;
    check.reason = "no name is stored for it, so its platform cannot be asked";
    return check;
  }
  Source* source = ctx.connectors().source(account.platform);
  if (source == nullptr) {
    check.liveness = Liveness::unavailable;
    check.reason = "no source of platform \"" + account.platform + "\" is loaded and enabled";
    return check;
  }
  const auto started = std::chrono::steady_clock::now();
  ResolvedAccount resolved;
  try {
    resolved = source->resolve_account(*account.name, [&ctx] { return !ctx.running(); });
  } catch (const std::exception& e) {
    check.liveness = Liveness::failed;
    check.reason = e.what();
    return check;
  }
  ctx.segment().record(std::string(procedure) + ".resolve",
                       shm::seconds_since(started));
  if (resolved.state != AccountState::ok) {
    check.liveness = Liveness::gone;
    check.reason = std::string(to_string(resolved.state));
    return check;
  }
  if (resolved.id != account.account_id) {
    check.liveness = Liveness::gone;
    check.reason = "the name @" + *account.name + " now belongs to account " + resolved.id;
    return check;
  }
  check.liveness = Liveness::alive;
  check.current_name = resolved.name.empty() ? *account.name : resolved.name;
  return check;
}

void push_back(db::Database& db, const db::Account& account) {
  db.write_transaction([&] {
    // Read inside the transaction: a cursor a scan saved since the caller's snapshot is kept.
    const auto current = db.account(account.platform, account.account_id);
    if (!current) return;
    db.save_search_cursor(current->platform, current->account_id, current->search_cursor);
    db.save_timeline_cursor(current->platform, current->account_id, current->timeline_cursor);
  });
}

}  // namespace aotf::maintenance
