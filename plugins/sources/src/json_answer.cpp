#include "json_answer.hpp"

#include <charconv>

namespace aotf::sources {

namespace {
std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
}  // namespace

json Endpoint::parse(const std::string& body) const {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    std::string start = body.substr(0, 60);
    for (auto& c : start) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    throw malformed("the answer is not JSON (" + std::string(e.what()) + "); it starts with \"" + start + "\"");
  }
}

const json& Endpoint::member(const json& object, std::string_view key, const std::string& path) const {
  if (!object.is_object()) throw malformed("\"" + (path.empty() ? std::string("the answer") : path) + "\" is not an object");
  const auto it = object.find(key);
  if (it == object.end()) throw malformed("the answer has no \"" + join(path, key) + "\"");
  return *it;
}

std::string Endpoint::string(const json& object, std::string_view key, const std::string& path) const {
  const json& value = member(object, key, path);
  if (!value.is_string()) throw malformed("\"" + join(path, key) + "\" is not a string");
  return value.get<std::string>();
}

const json& Endpoint::array(const json& object, std::string_view key, const std::string& path) const {
  const json& value = member(object, key, path);
  if (!value.is_array()) throw malformed("\"" + join(path, key) + "\" is not an array");
  return value;
}

const json& Endpoint::object(const json& object, std::string_view key, const std::string& path) const {
  const json& value = member(object, key, path);
  if (!value.is_object()) throw malformed("\"" + join(path, key) + "\" is not an object");
  return value;
}

std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view s) {
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc{} && end == s.data() + pos + len;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return {};
  if (!number(0, 4, y) || !number(5, 2, mo) || !number(8, 2, d) || !number(11, 2, h) || !number(14, 2, mi) ||
      !number(17, 2, sec)) {
    return {};
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return {};
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  std::chrono::seconds offset{0};
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh = 0, om = 0;
      if (!number(pos + 1, 2, oh)) return {};
      std::size_t after = pos + 3;
      if (after < s.size() && s[after] == ':') ++after;
      if (!number(after, 2, om)) return {};
      offset = std::chrono::hours(oh) + std::chrono::minutes(om);
      if (s[pos] == '-') offset = -offset;
      pos = after + 2;
    } else {
      return {};
    }
  }
  if (pos != s.size()) return {};
  const auto local = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(sec);
  return std::chrono::sys_seconds(local - offset);
}

}  // namespace aotf::sources
