#pragma once
// URL handling the client needs and nothing more: split an absolute http(s) URL, resolve a
// Location header against it. Internal to the SDK.

#include <string>
#include <string_view>

namespace aotf::http::detail {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // as written; IPv6 literals keep their brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and query, never empty ("/" at least), no fragment

  // "scheme://host:port": the key of the per-host interval and what httplib::Client expects.
  [[nodiscard]] std::string origin() const;
  [[nodiscard]] std::string str() const { return origin() + target; }
};

// Throws HttpError(BadUrl) naming the URL and what is wrong with it. Bytes that may not appear
// in a URL (space, controls, non-ASCII, "<>\^`{|}) are percent-encoded; everything else is kept.
[[nodiscard]] Url parse_url(std::string_view url);

// Resolves `location` (absolute, scheme-relative, absolute-path, relative-path or query-only)
// against `base`, as a browser does for a redirect.
[[nodiscard]] std::string resolve_location(const Url& base, std::string_view location);

}  // namespace aotf::http::detail
