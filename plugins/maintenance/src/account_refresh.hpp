#pragma once
// What auto-update and the cursor resets do with one account once its turn came: ask its
// platform whether the stored name still leads to it, and push back accounts that are gone.

#include <optional>
#include <string>

#include <aotf/connectors/source.hpp>
#include <aotf/db/database.hpp>
#include <aotf/stage.hpp>

namespace aotf::maintenance {

enum class Liveness {
  alive,        // the stored name resolves to this account id: `current_name` is its name now
  gone,         // not found, private, suspended, or the name now belongs to another account id
  unavailable,  // the platform's source is not loaded or disabled, or the account has no name
  failed,       // the platform could not be asked (network, rate limit, malformed answer)
};

struct AccountCheck {
  Liveness liveness = Liveness::failed;
  std::string current_name;
  std::string reason;  // for the log: "not found", "now id 42", "no source for platform y", ...
};

// Resolves the account by its stored name (the Source interface resolves names only). Never
// throws for an upstream failure: that is Liveness::failed with the reason. Records the time the
// platform took in the metric "<procedure>.resolve".
[[nodiscard]] AccountCheck check_account(StageContext& ctx, const db::Account& account, std::string_view procedure);

// Rewrites both cursors of the account with their current values: the save dates become now, so
// the account goes to the end of the auto-update order and is asked about again one period later
// (the original's treatment of deleted and protected accounts). Nothing else changes.
void push_back(db::Database& db, const db::Account& account);

}  // namespace aotf::maintenance
