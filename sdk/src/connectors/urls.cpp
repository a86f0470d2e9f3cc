// URL checks shared by the Link Finder and the multiplexer: the original's URL validation and
// the account links of each platform.
#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include "aotf/connectors/link_multiplexer.hpp"
#include "urls.hpp"

namespace aotf {

namespace {

const std::regex& valid_url_pattern() {
  // The original asked for 2-256 characters before the top-level domain, which refuses x.com.
  static const std::regex re(R"(^(?:https?://)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]{2,4}\b/)");
  return re;
}

// A host-name boundary before the link: start of text or a character that cannot be part of a
// host name, so "box.com/name" is not x.com. DeviantArt wraps outgoing links as
// ".../users/outgoing?https://twitter.com/name", hence "anywhere" in the text.
const std::regex& x_pattern() {
  static const std::regex re(
      R"((?:^|[^A-Za-z0-9_.-])(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?([A-Za-z0-9_]+))",
      std::regex::icase);
  return re;
}

const std::regex& bluesky_pattern() {
  static const std::regex re(
      R"((?:^|[^A-Za-z0-9_.-])(?:https?://)?(?:www\.)?bsky\.app/profile/@?([A-Za-z0-9._:%-]+))",
      std::regex::icase);
  return re;
}

// Paths of x.com / twitter.com that are pages of the service, not accounts.
constexpr std::array<std::string_view, 28> kXReservedPaths{
    "intent", "home",     "share",  "i",      "search",   "hashtag",  "explore",
    "settings", "messages", "notifications", "compose", "login", "logout", "signup",
    "tos",    "privacy",  "about",  "download", "jobs",   "account",  "who_to_follow",
    "following", "followers", "lists", "oauth", "widgets", "personalization", "rules"};

}  // namespace

namespace detail {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> first_x_name(std::string_view text) {
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), x_pattern()); it != std::sregex_iterator(); ++it) {
    std::string name = to_lower((*it)[1].str());
    if (std::find(kXReservedPaths.begin(), kXReservedPaths.end(), name) != kXReservedPaths.end()) continue;
    return name;
  }
  return std::nullopt;
}

std::optional<std::string> first_bluesky_handle(std::string_view text) {
  const std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), bluesky_pattern()); it != std::sregex_iterator(); ++it) {
    std::string handle = to_lower((*it)[1].str());
    // Profile links sometimes carry a percent-encoded DID ("did%3Aplc%3A...").
    std::string decoded;
    for (std::size_t i = 0; i < handle.size(); ++i) {
      if (handle.compare(i, 3, "%3a") == 0) {
        decoded += ':';
        i += 2;
      } else {
        decoded += handle[i];
      }
    }
    handle = std::move(decoded);
    while (!handle.empty() && (handle.back() == '.' || handle.back() == '-')) handle.pop_back();
    const bool did = handle.rfind("did:", 0) == 0 && handle.size() > 8;
    const bool domain = handle.find('.') != std::string::npos && handle.find_first_of(":%") == std::string::npos &&
                        handle.front() != '.';
    if (did || domain) return handle;
  }
  return std::nullopt;
}

}  // namespace detail

bool is_valid_url(std::string_view url) {
  return std::regex_search(url.begin(), url.end(), valid_url_pattern());
}

std::optional<Account> account_from_url(std::string_view url) {
  if (auto name = detail::first_x_name(url)) return Account{"x", std::move(*name)};
  if (auto handle = detail::first_bluesky_handle(url)) return Account{"bluesky", std::move(*handle)};
  return std::nullopt;
}

bool is_reserved_account_name(std::string_view name) {
  const std::string n = detail::to_lower(name);
  return n == "deviantart" || n == "twitter" || n == "derpibooru" || n == "patreon";
}

}  // namespace aotf
