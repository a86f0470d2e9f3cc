#pragma once
// The account of a direct request, as typed: "platform:name", "name" or "@name".
#include <string>
#include <string_view>
#include <vector>

namespace aotf::user_pipeline {

struct NamedAccount {
  std::string platform;  // the given one, or `default_platform`
  std::string name;      // without a leading '@'
};

// A name without a platform belongs to `default_platform` (the first enabled one).
[[nodiscard]] inline NamedAccount parse_account_text(std::string_view text, std::string_view default_platform) {
  NamedAccount out;
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    out.platform = std::string(text.substr(0, colon));
    text.remove_prefix(colon + 1);
  } else {
    out.platform = std::string(default_platform);
  }
  if (!text.empty() && text.front() == '@') text.remove_prefix(1);
  out.name = std::string(text);
  return out;
}

}  // namespace aotf::user_pipeline
