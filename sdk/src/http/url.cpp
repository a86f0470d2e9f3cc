#include "url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "aotf/http/client.hpp"

namespace aotf::http {

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (const unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace detail {
namespace {

bool must_escape(unsigned char c) {
  return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
         c == '`' || c == '{' || c == '|' || c == '}';
}

std::string escape_illegal(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const unsigned char c : s) {
    if (must_escape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Removes "." and ".." segments (RFC 3986 5.2.4), keeping the query untouched.
std::string normalize_target(const std::string& target) {
  const auto q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : target.substr(q);
  std::vector<std::string> segments;
  std::size_t pos = 1;  // path starts with '/'
  bool trailing_slash = false;
  while (pos <= path.size()) {
    const auto next = path.find('/', pos);
    const std::string seg = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      segments.push_back(seg);
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  std::string out;
  for (const auto& seg : segments) out += "/" + seg;
  if (out.empty() || trailing_slash) out += "/";
  return out + query;
}

}  // namespace

std::string Url::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

Url parse_url(std::string_view raw) {
  const std::string url(raw);
  auto bad = [&](const std::string& why) { return HttpError(HttpError::Kind::BadUrl, url, "bad URL \"" + url + "\": " + why); };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw bad("expected http:// or https:// at the start");
  Url out;
  out.scheme = lower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") throw bad("scheme \"" + out.scheme + "\" is not http or https");
  const std::string rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, authority_end);
  std::string target = authority_end == std::string::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string::npos) throw bad("user information in URLs is not supported");
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw bad("unterminated IPv6 literal");
    out.host = authority.substr(0, close + 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("unexpected text after the IPv6 literal");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw bad("no host");
  for (const unsigned char c : out.host) {
    if (!(std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' || c == ':')) {
      throw bad("invalid character in host \"" + out.host + "\"");
    }
  }
  out.host = lower(out.host);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      throw bad("port \"" + port_text + "\" is not a number between 1 and 65535");
    }
    out.port = port;
  }
  if (const auto hash = target.find('#'); hash != std::string::npos) target.erase(hash);
  if (target.empty() || target.front() == '?') target.insert(0, "/");
  out.target = escape_illegal(target);
  return out;
}

std::string resolve_location(const Url& base, std::string_view location_view) {
  std::string location(location_view);
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) location.pop_back();
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) location.erase(0, 1);
  if (location.empty()) throw HttpError(HttpError::Kind::BadUrl, base.str(), "redirect from " + base.str() + " has an empty Location");
  const auto colon = location.find(':');
  const auto first_sep = location.find_first_of("/?#");
  if (colon != std::string::npos && (first_sep == std::string::npos || colon < first_sep)) {
    return location;  // absolute; parse_url judges the scheme
  }
  std::string authority = base.host;
  if (base.port != (base.scheme == "https" ? 443 : 80)) authority += ":" + std::to_string(base.port);
  const std::string prefix = base.scheme + "://";
  if (location.rfind("//", 0) == 0) return base.scheme + ":" + location;
  if (location.front() == '#') return prefix + authority + base.target;
  if (location.front() == '/') return prefix + authority + normalize_target(location);
  const std::string base_path = base.target.substr(0, base.target.find('?'));
  if (location.front() == '?') return prefix + authority + base_path + location;
  const std::string dir = base_path.substr(0, base_path.rfind('/') + 1);
  return prefix + authority + normalize_target(dir + location);
}

}  // namespace detail
}  // namespace aotf::http
