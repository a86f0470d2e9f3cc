#include "client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace aotf::http_api {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string normalize_ip(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 63) return {};
  const std::string input(text);
  in_addr v4{};
  if (::inet_pton(AF_INET, input.c_str(), &v4) == 1) {
    char out[INET_ADDRSTRLEN];
    return ::inet_ntop(AF_INET, &v4, out, sizeof out) ? std::string(out) : std::string();
  }
  // An IPv6 zone ("fe80::1%eth0") is kept as written after the canonical address.
  std::string address = input;
  std::string zone;
  if (const auto percent = input.find('%'); percent != std::string::npos) {
    address = input.substr(0, percent);
    zone = input.substr(percent);
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr mapped{};
    std::copy(v6.s6_addr + 12, v6.s6_addr + 16, reinterpret_cast<unsigned char*>(&mapped));
    char out[INET_ADDRSTRLEN];
    return ::inet_ntop(AF_INET, &mapped, out, sizeof out) ? std::string(out) : std::string();
  }
  char out[INET6_ADDRSTRLEN];
  if (!::inet_ntop(AF_INET6, &v6, out, sizeof out)) return {};
  return std::string(out) + zone;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted) {
  std::string hop = normalize_ip(peer);
  if (hop.empty()) hop = std::string(peer);  // not an IP (a Unix socket, say): counted as written
  if (!contains(trusted, hop) || trim(forwarded_for).empty()) return hop;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    const std::string address = normalize_ip(entry);
    if (address.empty()) return hop;
    hop = address;
    if (!contains(trusted, hop)) return hop;
  }
  return hop;
}

}  // namespace aotf::http_api
