#pragma once
// The address a request is counted for (rate limit, per-IP limit, advanced and unlimited lists).
//
// The original trusted X-Forwarded-For verbatim (reference defect 16.9), so any client could pick
// the address it was counted for. Here the header is read only when the TCP peer is one of the
// trusted proxies, and then the client is the right-most entry that is not itself a trusted
// proxy: entries to its left were written by the client and prove nothing.

#include <string>
#include <string_view>
#include <vector>

namespace aotf::http_api {

// "::ffff:1.2.3.4" (an IPv4 client of a dual-stack socket) → "1.2.3.4"; an IPv6 address in its
// canonical text form; an IPv4 address as it is. Empty when `text` is not an IP address.
[[nodiscard]] std::string normalize_ip(std::string_view text);

// `peer`: the TCP peer's address; `forwarded_for`: the X-Forwarded-For value ("" when absent);
// `trusted`: normalized addresses of the trusted proxies. When the peer is trusted, entries are
// read from the right; a malformed entry stops the walk and the last trusted hop is the client
// (a trusted proxy never writes garbage, so garbage came from the client's side). When every
// entry is trusted, the left-most one is the client.
[[nodiscard]] std::string client_address(std::string_view peer, std::string_view forwarded_for,
                                         const std::vector<std::string>& trusted);

}  // namespace aotf::http_api
