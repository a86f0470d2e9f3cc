// `scan [--priority] PLATFORM:NAME`: launches a scan of an account from the console.
#include <aotf/connectors/connectors.hpp>
#include <aotf/error.hpp>
#include <aotf/shm/pipelines.hpp>

#include "settings.hpp"
#include "stages.hpp"

namespace aotf::scan {

namespace {

bool is_x_name(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// A Bluesky handle is a domain name: dot-separated labels of letters, digits and hyphens.
bool is_bluesky_handle(const std::string& name) {
  if (name.size() < 3 || name.size() > 253 || name.find('.') == std::string::npos) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label == 0 || name[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (label == 0 && c == '-') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

void check_name(const std::string& platform, const std::string& name) {
  if (platform == "x") {
    if (!is_x_name(name)) {
      throw Error("\"" + name + "\" is not an X username (1 to 15 letters, digits or underscores)");
    }
  } else if (platform == "bluesky") {
    if (!is_bluesky_handle(name)) {
      throw Error("\"" + name + "\" is not a Bluesky handle (a domain name such as someone.bsky.social)");
    }
  } else if (name.empty() || name.size() > shm::kMaxAccountName ||
             name.find_first_of(" \t\r\n") != std::string::npos) {
    throw Error("\"" + name + "\" is not an account name (1 to " + std::to_string(shm::kMaxAccountName) +
                " characters without spaces)");
  }
}

std::string describe_state(const shm::ScanSnapshot& scan) {
  if (scan.unfound) return "the account could not be found";
  if (scan.blocklisted) return "the account is blocklisted";
  if (scan.has_failed) return "it failed";
  return "both listings were indexed";
}

std::string run_scan(CommandContext& ctx, const std::vector<std::string>& args) {
  bool priority = false;
  std::string target;
  for (const auto& arg : args) {
    if (arg == "--priority") {
      priority = true;
    } else if (target.empty()) {
      target = arg;
    } else {
      throw Error("scan takes one account, got \"" + target + "\" and \"" + arg + "\"");
    }
  }
  if (target.empty()) throw Error("usage: scan [--priority] PLATFORM:NAME (for example scan x:artist)");
  shm::Segment* segment = ctx.segment();
  if (segment == nullptr) throw Error("scan needs a running daemon");

  // "x:artist", "bluesky:someone.bsky.social"; a name alone means X, as the original's console.
  std::string platform = "x";
  std::string name = target;
  if (const auto colon = target.find(':'); colon != std::string::npos) {
    platform = target.substr(0, colon);
    name = target.substr(colon + 1);
  }
  if (!name.empty() && name.front() == '@') name.erase(0, 1);
  Source* source = ctx.connectors().source(platform);
  if (source == nullptr) {
    std::string known;
    for (const auto& p : ctx.connectors().platforms()) known += (known.empty() ? "" : ", ") + p;
    throw Error("no source for platform \"" + platform + "\" is loaded or enabled (enabled: " +
                (known.empty() ? std::string("none") : known) + ")");
  }
  check_name(platform, name);

  const ResolvedAccount account = source->resolve_account(name);
  const std::string who = platform + ":" + name;
  if (account.state != AccountState::ok) {
    return who + " cannot be scanned: the account is " + std::string(to_string(account.state)) + "\n";
  }
  const Settings settings = read_settings(ctx.config());
  if (settings.blocklisted(platform, account.id)) {
    return who + " (ID " + account.id + ") is in the blocklist of [plugins.scan_pipeline]: not scanned\n";
  }
  const std::string canonical = platform + ":" + (account.name.empty() ? name : account.name) + " (ID " + account.id + ")";
  shm::ScanRequests scans(*segment);
  // A scan that ended well less than a day ago is answered as it is (its posts are indexed); one
  // that failed is replaced at once: the operator asks for it again.
  const auto previous = scans.get(platform, account.id);
  const bool replace = previous && previous->ended() && previous->has_failed;
  const shm::ScanLaunch launched =
      scans.launch(platform, account.id, account.name.empty() ? name : account.name, priority, false, shm::wall_ms(),
                   replace ? 0 : 24LL * 3600 * 1000);
  const shm::ScanSnapshot& scan = launched.scan;
  if (launched.created) {
    return "new scan of " + canonical + " queued" + (priority ? " with priority" : "") + "\n";
  }
  if (scan.ended()) {
    const std::int64_t ago = (shm::wall_ms() - scan.finished_ms) / 1000;
    return "a scan of " + canonical + " ended " + std::to_string(ago) + " s ago (" + describe_state(scan) +
           "); a new one can start 24 hours after it ended\n";
  }
  std::string listings;
  listings += scan.started_search ? (scan.finished_search ? "search indexed" : "search listing started")
                                  : "search waiting";
  listings += ", ";
  listings += scan.started_timeline ? (scan.finished_timeline ? "timeline indexed" : "timeline listing started")
                                    : "timeline waiting";
  return "a scan of " + canonical + " is already running (" + listings + ")" +
         (priority && scan.is_priority ? "; it now has priority" : "") + "\n";
}

}  // namespace

ConsoleCommand scan_command() {
  return {"scan", "scan [--priority] PLATFORM:NAME",
          "indexes the posts of an account (x:NAME, bluesky:HANDLE); --priority puts it before normal scans", 1, 2,
          &run_scan};
}

}  // namespace aotf::scan
