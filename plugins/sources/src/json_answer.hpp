#pragma once
// Reading upstream JSON with errors that say which platform, which endpoint and what was missing:
// "bluesky: app.bsky.feed.getAuthorFeed: the answer has no string \"feed[3].post.uri\"".

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "aotf/connectors/source.hpp"

namespace aotf::sources {

using nlohmann::json;

struct Endpoint {
  std::string platform;  // "x", "bluesky"
  std::string name;      // "GET /2/users/:id/tweets", "app.bsky.feed.getAuthorFeed"

  [[nodiscard]] SourceError malformed(const std::string& what) const {
    return SourceError(SourceError::Kind::Malformed, platform, name, platform + ": " + name + ": " + what);
  }
  [[nodiscard]] SourceError upstream(const std::string& what) const {
    return SourceError(SourceError::Kind::Upstream, platform, name, platform + ": " + name + ": " + what);
  }

  // Parses a body; invalid JSON is Malformed, with the first bytes of the body.
  [[nodiscard]] json parse(const std::string& body) const;
  // The member `key` of `object` (itself at `path`) that must exist with the given kind.
  [[nodiscard]] const json& member(const json& object, std::string_view key, const std::string& path) const;
  [[nodiscard]] std::string string(const json& object, std::string_view key, const std::string& path) const;
  [[nodiscard]] const json& array(const json& object, std::string_view key, const std::string& path) const;
  [[nodiscard]] const json& object(const json& object, std::string_view key, const std::string& path) const;
};

// "2024-01-01T12:34:56.789Z", "...+09:00" (converted to UTC), no zone = UTC. Empty on bad input.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text);

}  // namespace aotf::sources
